import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields every log line of a step run carries (README "Operating"). */
export interface StepLogFields {
  execution_id: string;
  step: string;
  step_type?: string;
  pipeline_id?: string;
  workspace_id?: string | null;
}

/** What a log line learns from where it is written: the step it belongs to and how to scrub its secrets. */
export interface LogContext {
  fields: StepLogFields;
  /** Removes the run's secret values (and their encodings) from a text: the step path's redaction. */
  scrub?: (text: string) => string;
}

const storage = new AsyncLocalStorage<LogContext>();

export function runWithLogContext<T>(ctx: LogContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}
