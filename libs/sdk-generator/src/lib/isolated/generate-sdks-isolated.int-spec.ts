import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateSdks } from '../generate-sdks';
import { SdkGenerationError } from '../sdk-generation.error';
import { asSource, hugeOpenApi } from '../../testing/spec-builders';
import { generateSdksIsolated, SdkGenerationStoppedError } from './generate-sdks-isolated';

const REPO = resolve(__dirname, '../../../../..');
const PETSTORE = readFileSync(join(REPO, 'node_modules/@readme/oas-examples/3.0/yaml/petstore.yaml'), 'utf8');

/**
 * Counts the ticks of a 5 ms interval: while generation blocks the event loop, none fire. A count (not
 * the longest gap) keeps the measure meaningful on a shared, loaded machine where the scheduler alone
 * can delay a tick.
 */
function loopMonitor(): { ticks(): number; stop(): void } {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  return { ticks: () => ticks, stop: () => clearInterval(timer) };
}

describe('generateSdksIsolated (worker thread)', () => {
  let huge: string;

  beforeAll(() => {
    // ~10 MB; takes seconds to validate and emit, so it is still running when the test stops it.
    huge = asSource(hugeOpenApi(10_000));
  });

  it('returns exactly what the in-process generator returns', async () => {
    const input = { source: PETSTORE, filename: 'petstore.yaml', languages: ['typescript', 'python', 'rust'] as const };
    const isolated = await generateSdksIsolated({ ...input, languages: [...input.languages] });
    expect(isolated).toEqual(await generateSdks({ ...input, languages: [...input.languages] }));
    const fromBuffer = await generateSdksIsolated({ ...input, source: Buffer.from(PETSTORE), languages: ['python'] });
    expect(fromBuffer.summary.languages).toEqual({ python: { files: 6, status: 'ok' } });
  });

  it('rejects bad input with the same SdkGenerationError', async () => {
    const broken = JSON.stringify({ openapi: '3.0.0', info: { title: 'x', version: '1' }, paths: { '/a': { get: { responses: { '200': { $ref: '#/nope' } } } } } });
    const e = await generateSdksIsolated({ source: broken, languages: ['typescript'] }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(SdkGenerationError);
    expect(e).toMatchObject({ place: 'paths./a.get.responses.200', message: 'paths./a.get.responses.200: $ref "#/nope" not found' });
  });

  it('stops the generation on abort (it rejects instead of finishing), while the event loop stays free', async () => {
    const controller = new AbortController();
    const monitor = loopMonitor();
    // The document takes seconds to generate: an abort after the loop has ticked lands mid-generation.
    const pending = generateSdksIsolated({ source: huge, languages: ['typescript', 'python', 'rust'] }, { signal: controller.signal });
    let ticksBeforeAbort = 0;
    const aborter = setInterval(() => {
      if (monitor.ticks() < 3) return;
      ticksBeforeAbort = monitor.ticks();
      clearInterval(aborter);
      controller.abort();
    }, 1);
    const e = await pending.catch((err: unknown) => err);
    clearInterval(aborter);
    monitor.stop();
    // Settled by the abort, not by the end of the work. The abort comes from a timer of this event loop:
    // had generation blocked the loop (in-process generation does), no timer would fire before it
    // finished and the promise would resolve.
    expect(e).toBeInstanceOf(SdkGenerationStoppedError);
    expect(e).toMatchObject({ reason: 'aborted', code: 'SDK_GENERATION_STOPPED', message: expect.stringMatching(/^SDK generation aborted after \d+ ms$/) });
    expect(ticksBeforeAbort).toBeGreaterThanOrEqual(3);
  }, 90_000);

  it('stops the thread when the time budget is spent', async () => {
    const e = await generateSdksIsolated({ source: huge, languages: ['rust'] }, { timeoutMs: 300 }).catch((err: unknown) => err);
    expect(e).toMatchObject({ name: 'SdkGenerationStoppedError', reason: 'timeout', message: 'SDK generation exceeded its time budget of 300 ms' });
  }, 30_000);

  it('stops a thread that exceeds its heap cap', async () => {
    const e = await generateSdksIsolated({ source: huge, languages: ['typescript', 'python', 'rust'] }, { maxOldGenerationSizeMb: 24 }).catch((err: unknown) => err);
    expect(e).toMatchObject({ name: 'SdkGenerationStoppedError', reason: 'out-of-memory' });
  }, 30_000);

  it('works from the swc build (dist layout), where the worker is the emitted .js file', () => {
    // Same swc config and layout as tools/scripts/build.js, for this lib only, under the repo's tmp/ so
    // node_modules resolve.
    mkdirSync(join(REPO, 'tmp'), { recursive: true });
    const out = mkdtempSync(join(REPO, 'tmp/sdk-isolated-dist-'));
    try {
      const swc = spawnSync(process.execPath, [require.resolve('@swc/cli/bin/swc.js'), 'libs/sdk-generator/src', '-d', out, '--config-file', '.swcrc', '--quiet', '--ignore', '**/*.spec.ts,**/*.int-spec.ts,**/fixtures/**,**/testing/**'], { cwd: REPO, encoding: 'utf8' });
      expect(swc.stderr).toBe('');
      const script = join(out, 'run.js');
      writeFileSync(
        script,
        [
          `const { generateSdksIsolated } = require(${JSON.stringify(join(out, 'libs/sdk-generator/src/index.js'))});`,
          `generateSdksIsolated({ source: ${JSON.stringify(PETSTORE)}, filename: 'petstore.yaml', languages: ['rust'] })`,
          '  .then((r) => console.log(JSON.stringify(r.summary)), (e) => { console.error(e); process.exit(1); });',
        ].join('\n'),
      );
      // No @swc-node/register here: plain node, as `node dist/apps/...` runs it.
      const run = spawnSync(process.execPath, [script], { cwd: out, encoding: 'utf8', env: { ...process.env, SWC_NODE_PROJECT: '' } });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toMatchObject({ title: 'Swagger Petstore', languages: { rust: { files: 5, status: 'ok' } } });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
