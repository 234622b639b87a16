import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Command, CommanderError } from 'commander';
import { startHttpSink, type HttpSink } from '@mockops/testing';
import { ApiError } from '../lib/api-client';
import { CommandFailed, UsageError, createContext } from '../lib/context';
import { registerSdkCommands } from './sdk';

const PETSTORE = join(__dirname, '../../../../node_modules/@readme/oas-examples/3.0/yaml/petstore.yaml');

/** The CLI as main() runs it (same exit codes), with only the sdk/artifacts commands registered. */
async function run(argv: string[], env: Record<string, string> = {}) {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  const ctx = createContext(io, env);
  const program = new Command('mockforge');
  registerSdkCommands(program, ctx);
  const configure = (cmd: Command) => {
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    cmd.commands.forEach(configure);
  };
  configure(program);
  let code = 0;
  try {
    await program.parseAsync(['node', 'mockforge', ...argv]);
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else if (e instanceof UsageError) {
      io.err(`Error: ${e.message}\n`);
      code = 2;
    } else if (e instanceof ApiError) {
      io.err(`Error: ${e.message}\n`);
      code = 1;
    } else if (e instanceof CommandFailed) code = 1;
    else throw e;
  }
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe('mockforge sdk generate / artifacts download', () => {
  let work: string;
  let sink: HttpSink;
  const archive = gzipSync(Buffer.from('not really a tar, but bytes'));
  const executionId = '11111111-2222-4333-8444-555555555555';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cli-sdk-'));
    sink = await startHttpSink({
      respond: (req) => {
        if (req.pathname === '/specs/petstore.yaml') return { status: 200, body: readFileSync(PETSTORE, 'utf8') };
        if (req.pathname === `/api/v1/executions/${executionId}/artifacts/sdks`) {
          if (req.headers.authorization !== 'Bearer k-1') return { status: 401, body: { code: 'UNAUTHORIZED', message: 'invalid API key', details: [] } };
          const sha = createHash('sha256').update(archive).digest('hex');
          return { status: 200, body: archive, headers: { 'content-type': 'application/gzip', 'x-content-sha256': sha } };
        }
        return { status: 404, body: { code: 'NOT_FOUND', message: 'artifact "other" of execution x not found', details: [] } };
      },
    });
  });
  afterAll(async () => {
    await sink?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('generates the three SDKs from a local file into --out, one folder per language (exit 0)', async () => {
    const out = join(work, 'sdks');
    const res = await run(['sdk', 'generate', '--spec', PETSTORE, '--languages', 'typescript,python,rust', '--out', out, '--package-name', 'pets']);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toContain('Generated 17 files from Swagger Petstore 1.0.0 (20 operations, 11 models)');
    expect(readdirSync(out).sort()).toEqual(['python', 'rust', 'typescript']);
    expect(JSON.parse(readFileSync(join(out, 'typescript/package.json'), 'utf8')).name).toBe('pets');
    expect(readFileSync(join(out, 'rust/Cargo.toml'), 'utf8')).toContain('name = "pets"');
  });

  it('reads the spec from a URL', async () => {
    const out = join(work, 'from-url');
    const res = await run(['sdk', 'generate', '--spec', `${sink.url}/specs/petstore.yaml`, '--languages', 'python', '--out', out, '-o', 'json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).summary).toMatchObject({ title: 'Swagger Petstore', languages: { python: { files: 6, status: 'ok' } } });
    expect(readdirSync(out)).toEqual(['python']);
  });

  it("exits 1 with the generator's message, naming the place, when the spec is invalid", async () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, 'openapi: 3.0.3\ninfo:\n  title: x\n  version: "1"\npaths:\n  /a:\n    get:\n      responses:\n        "200":\n          description: ok\n          content:\n            application/json:\n              schema:\n                $ref: "#/components/schemas/Nope"\n');
    const res = await run(['sdk', 'generate', '--spec', bad, '--languages', 'rust', '--out', join(work, 'never')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('Error: paths./a.get.responses.200.content.application/json.schema: $ref "#/components/schemas/Nope" not found\n');
    expect(existsSync(join(work, 'never'))).toBe(false);
  });

  it('exits 2 on usage errors: unknown language, missing option', async () => {
    const lang = await run(['sdk', 'generate', '--spec', PETSTORE, '--languages', 'typescript,cobol', '--out', work]);
    expect(lang.code).toBe(2);
    expect(lang.stderr).toContain('unsupported language(s) "cobol"; supported: typescript, python, rust');
    const missing = await run(['sdk', 'generate', '--languages', 'rust', '--out', work]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--spec <file|url>' not specified");
  });

  it('downloads an artifact with the API key, checks its sha256 and saves it under the default name', async () => {
    const dir = join(work, 'dl');
    mkdirSync(dir);
    const res = await run(['artifacts', 'download', executionId, '-o', dir], { MOCKFORGE_API_URL: sink.url, MOCKFORGE_API_KEY: 'k-1' });
    expect(res.code).toBe(0);
    const file = join(dir, `${executionId}-sdks.tar.gz`);
    expect(Buffer.compare(readFileSync(file), archive)).toBe(0);
    expect(res.stdout).toBe(`Saved ${file} (${archive.length} bytes, sha256 ${createHash('sha256').update(archive).digest('hex')})\n`);
  });

  it("prints the gateway's error and exits 1 when the artifact is missing or the key is wrong", async () => {
    const missing = await run(['artifacts', 'download', executionId, '--name', 'other', '-o', join(work, 'x.tgz')], { MOCKFORGE_API_URL: sink.url, MOCKFORGE_API_KEY: 'k-1' });
    expect(missing).toMatchObject({ code: 1, stderr: 'Error: artifact "other" of execution x not found\n' });
    expect(existsSync(join(work, 'x.tgz'))).toBe(false);
    const denied = await run(['artifacts', 'download', executionId], { MOCKFORGE_API_URL: sink.url, MOCKFORGE_API_KEY: 'wrong' });
    expect(denied).toMatchObject({ code: 1, stderr: 'Error: invalid API key\n' });
  });
});
