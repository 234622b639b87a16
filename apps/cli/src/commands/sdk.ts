import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Command } from 'commander';
import { ApiError, type ApiErrorDetail } from '../lib/api-client';
import type { CliContext } from '../lib/context';
import { CommandFailed, UsageError } from '../lib/context';
import { readTextFile } from '../lib/files';
import { json, renderTable } from '../lib/output';
import { outputOption } from './pipelines.command';

/** Specs bigger than this are refused, as the regenerate_sdk step does. */
const MAX_SPEC_BYTES = 20 * 1024 * 1024;

export interface SdkCommandDeps {
  /** HTTP for spec URLs and artifact downloads; injectable for tests. Default: global fetch. */
  fetch?: typeof fetch;
}

interface GenerateOptions {
  spec: string;
  languages: string;
  out: string;
  packageName?: string;
  output: 'table' | 'json';
}

/**
 * `mockforge sdk generate` (the generator, locally, no server) and `mockforge artifacts list|download`
 * (an execution's artifacts through the gateway). Call before the program's output/exit configuration.
 */
export function registerSdkCommands(program: Command, ctx: CliContext, deps: SdkCommandDeps = {}): void {
  const fetchImpl = deps.fetch ?? fetch;

  const sdk = new Command('sdk').description('client SDKs from OpenAPI / Protobuf specs');
  sdk
    .command('generate')
    .description('generate client SDKs from a spec locally, without a server (the regenerate_sdk step\'s generator)')
    .requiredOption('--spec <file|url>', 'OpenAPI (JSON/YAML, 2.0/3.x) or .proto file, or an http(s) URL')
    .requiredOption('--languages <list>', 'comma-separated: typescript,python,rust')
    .requiredOption('--out <dir>', 'folder the SDKs are written to, one subfolder per language')
    .option('--package-name <name>', 'package / crate name (default: derived from the API title)')
    .addOption(outputOption())
    .action((opts: GenerateOptions) => generate(ctx, fetchImpl, opts));
  program.addCommand(sdk);

  const artifacts = new Command('artifacts').description("an execution's artifacts (e.g. the SDK archive of regenerate_sdk)");
  artifacts
    .command('list')
    .description("list an execution's artifacts")
    .argument('<execution-id>')
    .addOption(outputOption())
    .action(async (id: string, opts: { output: 'table' | 'json' }) => {
      const page = await ctx.client().request<{ items: { name: string; step_name: string; size: number; sha256: string; created_at: string }[] }>(
        'GET',
        `executions/${encodeURIComponent(id)}/artifacts`,
      );
      if (opts.output === 'json') return ctx.io.out(json(page));
      if (!page.items.length) return ctx.io.out(`Execution ${id} has no artifacts\n`);
      ctx.io.out(
        renderTable(page.items, [
          { header: 'NAME', value: (a) => a.name },
          { header: 'STEP', value: (a) => a.step_name },
          { header: 'SIZE', value: (a) => a.size, right: true },
          { header: 'SHA256', value: (a) => a.sha256 },
          { header: 'CREATED', value: (a) => a.created_at },
        ]),
      );
    });
  artifacts
    .command('download')
    .description('download an artifact (default: the `sdks` archive, a .tar.gz)')
    .argument('<execution-id>')
    .option('--name <name>', 'artifact name', 'sdks')
    .option('-o, --output <file>', 'file (or existing folder) to write; default <execution-id>-<name>.tar.gz here')
    .action((id: string, opts: { name: string; output?: string }) => download(ctx, fetchImpl, id, opts));
  program.addCommand(artifacts);
}

async function generate(ctx: CliContext, fetchImpl: typeof fetch, opts: GenerateOptions): Promise<void> {
  // Loaded on demand: the generator (parsers, emitters) is only needed by this command.
  const { SDK_LANGUAGES, SdkGenerationError, generateSdks } = await import('@mockops/sdk-generator');
  const languages = [...new Set(opts.languages.split(',').map((l) => l.trim().toLowerCase()).filter(Boolean))];
  const unknown = languages.filter((l) => !(SDK_LANGUAGES as readonly string[]).includes(l));
  if (!languages.length || unknown.length) {
    throw new UsageError(
      `${unknown.length ? `unsupported language(s) ${unknown.map((l) => `"${l}"`).join(', ')}` : '--languages is empty'}; supported: ${SDK_LANGUAGES.join(', ')}`,
    );
  }
  if (opts.packageName !== undefined && !/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/.test(opts.packageName)) {
    throw new UsageError('--package-name may contain only letters, digits, spaces, ".", "_" and "-"');
  }
  const out = resolve(opts.out);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out ${opts.out} exists and is not a folder`);

  const spec = /^https?:\/\//i.test(opts.spec) ? await fetchSpec(ctx, fetchImpl, opts.spec) : readSpecFile(ctx, opts.spec);
  let result: Awaited<ReturnType<typeof generateSdks>>;
  try {
    result = await generateSdks({
      source: spec.text,
      filename: spec.filename,
      imports: spec.imports,
      languages: languages as (typeof SDK_LANGUAGES)[number][],
      packageName: opts.packageName,
    });
  } catch (e) {
    if (e instanceof SdkGenerationError) {
      ctx.io.err(`Error: ${e.message}\n`);
      throw new CommandFailed('invalid spec');
    }
    throw e;
  }

  // Files are overwritten, never deleted: --out may be a folder that holds other work.
  for (const f of result.files) {
    const path = resolve(out, ...f.path.split('/'));
    if (!path.startsWith(out + sep)) throw new Error(`generated path ${f.path} leaves ${out}`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
  const { summary } = result;
  if (opts.output === 'json') {
    return ctx.io.out(json({ out, summary, files: result.files.map((f) => join(out, f.path)) }));
  }
  ctx.io.out(
    `Generated ${result.files.length} files from ${summary.title} ${summary.version} (${summary.operations} operations, ${summary.models} models) in ${out}\n`,
  );
  ctx.io.out(
    renderTable(Object.entries(summary.languages), [
      { header: 'LANGUAGE', value: ([lang]) => lang },
      { header: 'FILES', value: ([, s]) => s?.files, right: true },
      { header: 'FOLDER', value: ([lang]) => join(out, lang) },
    ]),
  );
}

interface CliSpec {
  text: string;
  filename?: string;
  imports: Record<string, string>;
}

function readSpecFile(ctx: CliContext, file: string): CliSpec {
  if (existsSync(file) && statSync(file).size > MAX_SPEC_BYTES) {
    ctx.io.err(`Error: ${file} is larger than ${MAX_SPEC_BYTES / 1024 / 1024} MB\n`);
    throw new CommandFailed();
  }
  const text = readTextFile(file, ctx.io);
  return { text, filename: basename(file), imports: /\.proto$/i.test(file) ? protoImports(text, file) : {} };
}

/** Imports of a .proto, read like `protoc -I <its folder> -I .`; missing ones are left to the generator to name. */
function protoImports(entryText: string, entryFile: string): Record<string, string> {
  const imports: Record<string, string> = {};
  const queue = [{ text: entryText, file: entryFile }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { text, file } = next;
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
    for (const [, imp] of code.matchAll(/^\s*import\s+(?:public\s+|weak\s+)?["']([^"']+)["']\s*;/gm)) {
      if (imp in imports || imp.startsWith('google/protobuf/')) continue;
      const found = [dirname(entryFile), dirname(file), '.'].map((base) => resolve(base, imp)).find((p) => existsSync(p));
      if (!found) continue;
      imports[imp] = readFileSync(found, 'utf8');
      queue.push({ text: imports[imp], file: found });
    }
  }
  return imports;
}

async function fetchSpec(ctx: CliContext, fetchImpl: typeof fetch, url: string): Promise<CliSpec> {
  let res: Response;
  try {
    res = await fetchImpl(url, { headers: { accept: 'application/yaml, application/json, text/plain;q=0.9, */*;q=0.5' }, signal: AbortSignal.timeout(60_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    ctx.io.err(`Error: cannot download ${url} (${cause})\n`);
    throw new CommandFailed();
  }
  if (!res.ok) {
    ctx.io.err(`Error: downloading ${url} answered ${res.status} ${res.statusText}\n`);
    throw new CommandFailed();
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_SPEC_BYTES) {
    ctx.io.err(`Error: ${url} is larger than ${MAX_SPEC_BYTES / 1024 / 1024} MB\n`);
    throw new CommandFailed();
  }
  const last = new URL(url).pathname.split('/').pop();
  return { text: body.toString('utf8'), filename: last || undefined, imports: {} };
}

async function download(ctx: CliContext, fetchImpl: typeof fetch, id: string, opts: { name: string; output?: string }): Promise<void> {
  const client = ctx.client();
  const url = client.url(`executions/${encodeURIComponent(id)}/artifacts/${encodeURIComponent(opts.name)}`);
  const headers: Record<string, string> = { accept: 'application/gzip, application/octet-stream, application/json' };
  if (ctx.env.MOCKFORGE_API_KEY) headers.authorization = `Bearer ${ctx.env.MOCKFORGE_API_KEY}`;
  let res: Response;
  try {
    res = await fetchImpl(url, { headers, signal: AbortSignal.timeout(300_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new ApiError(0, 'UNREACHABLE', `cannot reach the gateway at ${url.origin} (${cause})`);
  }
  if (!res.ok) {
    let err: { code?: string; message?: string; details?: ApiErrorDetail[] } | undefined;
    try {
      err = JSON.parse(await res.text());
    } catch {
      err = undefined;
    }
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `GET ${url.pathname} answered ${res.status}`, err?.details ?? []);
  }
  const body = Buffer.from(await res.arrayBuffer());
  const sha256 = createHash('sha256').update(body).digest('hex');
  const expected = res.headers.get('x-content-sha256');
  if (expected && expected !== sha256) {
    ctx.io.err(`Error: the download is corrupt: sha256 ${sha256}, the gateway announced ${expected}\n`);
    throw new CommandFailed();
  }
  const defaultName = `${id}-${opts.name}${res.headers.get('content-type')?.startsWith('application/gzip') ? '.tar.gz' : ''}`;
  let file = opts.output ?? defaultName;
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, defaultName);
  try {
    // Renamed into place only when complete, so a failed write never leaves a truncated archive.
    writeFileSync(`${file}.part`, body);
    renameSync(`${file}.part`, file);
  } catch (e) {
    ctx.io.err(`Error: cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
    throw new CommandFailed();
  } finally {
    rmSync(`${file}.part`, { force: true });
  }
  ctx.io.out(`Saved ${file} (${body.length} bytes, sha256 ${sha256})\n`);
}
