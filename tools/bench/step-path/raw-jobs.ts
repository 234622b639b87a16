// What the raw BullMQ baseline enqueues, shared by the producer (the benchmark) and raw-worker.ts.

export const RAW_QUEUE = 'raw-step';

export interface RawJob {
  /** Event / chain id: the sink keys arrivals by it. */
  id: string;
  /** Position in the chain, from 0. */
  index: number;
  /** Length of the chain (1: a one-step job). */
  steps: number;
}

/** The job options libs/worker-kit's StepDispatcher gives a step job (ids only in the payload). */
export function rawJobOptions(jobId: string) {
  return {
    jobId,
    attempts: 3,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

/** The body of the notify step's webhook (buildWebhookPayload): same fields, similar sizes. */
export function webhookLikeBody(id: string, index: number): string {
  return JSON.stringify({
    event: {
      id,
      type: 'scenario.published',
      workspace_id: null,
      workspace_name: null,
      occurred_at: new Date().toISOString(),
      source: null,
      payload: { scenario_id: id },
    },
    execution: {
      id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      pipeline_id: '00000000-0000-4000-8000-000000000000',
      pipeline_name: 'raw',
      workspace_id: null,
    },
    step: { name: `s${index + 1}`, attempt: 1 },
    message: id,
  });
}
