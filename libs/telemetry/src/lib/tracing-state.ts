/** The tracing SDK started in this process, if any (set by startTracing, flushed by the runtime at stop). */
let active: { shutdown(): Promise<void> } | undefined;

export function setActiveTracing(sdk: { shutdown(): Promise<void> } | undefined): void {
  active = sdk;
}

export function tracingActive(): boolean {
  return active !== undefined;
}

/** Flushes and stops the tracing SDK (exports the spans still buffered); a no-op when tracing is off. */
export async function shutdownTracing(): Promise<void> {
  const sdk = active;
  active = undefined;
  await sdk?.shutdown().catch(() => undefined);
}
