import { existsSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type GenerateSdksInput, type GenerateSdksResult } from '../generate-sdks';
import { SdkGenerationError } from '../sdk-generation.error';
import type { WorkerReply } from './generate-sdks.worker';

export interface IsolatedGenerationOptions {
  /** Aborting it terminates the worker thread; the call rejects with SdkGenerationStoppedError('aborted'). */
  signal?: AbortSignal;
  /** Time budget of the whole load + generate; past it the thread is terminated ('timeout'). */
  timeoutMs?: number;
  /** V8 old-generation heap cap of the worker; exceeding it ends the thread ('out-of-memory'). */
  maxOldGenerationSizeMb?: number;
}

export type StopReason = 'aborted' | 'timeout' | 'out-of-memory' | 'crashed';

/** The worker running a generation was stopped (abort, time budget, memory cap) or died. */
export class SdkGenerationStoppedError extends Error {
  readonly code = 'SDK_GENERATION_STOPPED';

  constructor(
    readonly reason: StopReason,
    message: string,
  ) {
    super(message);
    this.name = 'SdkGenerationStoppedError';
  }
}

const WORKER_BASENAME = 'generate-sdks.worker';

/**
 * How to start the worker: the compiled `.js` next to this file (swc build in dist/), or — running from
 * TypeScript sources (jest, @swc-node/register) — a bootstrap that registers @swc-node first.
 */
function workerSpec(): { filename: string; eval: boolean } {
  const ext = extname(__filename);
  const entry = join(__dirname, `${WORKER_BASENAME}${ext}`);
  if (ext !== '.ts') return { filename: entry, eval: false };
  const project = process.env['SWC_NODE_PROJECT'] ?? resolve(__dirname, '../../../../../tsconfig.runtime.json');
  const register = require.resolve('@swc-node/register');
  const code = [
    `process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || ${JSON.stringify(existsSync(project) ? project : '')} || undefined;`,
    `require(${JSON.stringify(register)});`,
    `require(${JSON.stringify(entry)});`,
  ].join('\n');
  return { filename: code, eval: true };
}

/**
 * `generateSdks` on a worker thread, so parsing and emitting a big or hostile spec never blocks the
 * caller's event loop (leases, timeouts and health checks keep firing). Same input, same result; bad
 * input still rejects with SdkGenerationError. The thread is terminated — not merely abandoned — on
 * abort, on the time budget and on the memory cap, and the promise rejects once it is gone.
 */
export function generateSdksIsolated(input: GenerateSdksInput, options: IsolatedGenerationOptions = {}): Promise<GenerateSdksResult> {
  const { signal, timeoutMs, maxOldGenerationSizeMb } = options;
  if (signal?.aborted) return Promise.reject(new SdkGenerationStoppedError('aborted', 'SDK generation aborted before it started'));
  return new Promise<GenerateSdksResult>((resolvePromise, rejectPromise) => {
    const started = Date.now();
    const spec = workerSpec();
    const worker = new Worker(spec.filename, {
      eval: spec.eval,
      workerData: { ...input, source: typeof input.source === 'string' ? input.source : new Uint8Array(input.source) },
      resourceLimits: maxOldGenerationSizeMb ? { maxOldGenerationSizeMb } : undefined,
      stdout: false,
      stderr: false,
    });
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      cleanup();
      fn();
    };
    /** Stops the thread, then rejects: when the promise rejects, the generation is no longer running. */
    const stop = (reason: StopReason, message: string) => {
      if (settled) return;
      settled = true;
      cleanup();
      worker.terminate().then(
        () => rejectPromise(new SdkGenerationStoppedError(reason, message)),
        () => rejectPromise(new SdkGenerationStoppedError(reason, message)),
      );
    };
    const onAbort = () => stop('aborted', `SDK generation aborted after ${Date.now() - started} ms`);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) timer = setTimeout(() => stop('timeout', `SDK generation exceeded its time budget of ${timeoutMs} ms`), timeoutMs);

    worker.once('message', (reply: WorkerReply) => {
      settle(() => {
        if (reply.ok && reply.result) resolvePromise(reply.result);
        else if (reply.error?.name === 'SdkGenerationError') {
          const e = new SdkGenerationError(reply.error.place ? reply.error.message.slice(reply.error.place.length + 2) : reply.error.message, reply.error.place);
          rejectPromise(e);
        } else {
          const e = new Error(reply.error?.message ?? 'SDK generation failed');
          e.name = reply.error?.name ?? 'Error';
          if (reply.error?.stack) e.stack = reply.error.stack;
          rejectPromise(e);
        }
      });
      void worker.terminate();
    });
    worker.once('error', (err: Error & { code?: string }) => {
      settle(() =>
        rejectPromise(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new SdkGenerationStoppedError('out-of-memory', `SDK generation ran out of memory (maxOldGenerationSizeMb ${maxOldGenerationSizeMb})`)
            : new SdkGenerationStoppedError('crashed', `SDK generation worker failed: ${err.message}`),
        ),
      );
    });
    worker.once('exit', (code) => {
      settle(() => rejectPromise(new SdkGenerationStoppedError('crashed', `SDK generation worker exited with code ${code} without a result`)));
    });
  });
}
