/**
 * Worker-thread entry of `generateSdksIsolated`: runs one load + generate and posts the result (or the
 * error) back. Emitted next to generate-sdks-isolated.js by the swc build; loaded through
 * @swc-node/register when running from TypeScript sources.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { generateSdks, type GenerateSdksInput } from '../generate-sdks';
import { SdkGenerationError } from '../sdk-generation.error';

export interface WorkerReply {
  ok: boolean;
  result?: Awaited<ReturnType<typeof generateSdks>>;
  error?: { name: string; message: string; place?: string; stack?: string };
}

async function main(): Promise<void> {
  const input = workerData as GenerateSdksInput & { source: string | Uint8Array };
  const source = typeof input.source === 'string' ? input.source : Buffer.from(input.source.buffer, input.source.byteOffset, input.source.byteLength);
  let reply: WorkerReply;
  try {
    reply = { ok: true, result: await generateSdks({ ...input, source }) };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    reply = { ok: false, error: { name: err.name, message: err.message, place: e instanceof SdkGenerationError ? e.place : undefined, stack: err.stack } };
  }
  parentPort!.postMessage(reply);
}

void main();
