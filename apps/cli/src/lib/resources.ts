/** The gateway's resource shapes as the CLI reads them (snake_case, as on the wire). */
export interface ApiDiagnostic {
  severity?: 'error' | 'warning';
  code?: string;
  path?: string;
  line?: number;
  column?: number;
  message: string;
}

export interface ApiPipeline {
  id: string;
  name: string;
  description?: string | null;
  workspace_id: string | null;
  enabled: boolean;
  revision: number;
  revision_id: string;
  definition: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  warnings?: ApiDiagnostic[];
}

export interface ApiRevision {
  id: string;
  revision: number;
  created_at: string;
  source_format?: string;
}

export interface ApiStepRun {
  name: string;
  step_type: string;
  index: number;
  status: string;
  attempts: number;
  max_attempts: number;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  config: unknown;
  outputs: unknown;
  error: string | null;
  error_code: string | null;
  /** Why a skipped step did not run. */
  skip_reason?: { code: string; message: string } | null;
  /** Kept from this earlier run attempt by a re-run from the failure. */
  reused_from_attempt?: number | null;
  logs: { at: string; attempt: number; message: string }[];
}

export interface ApiExecution {
  id: string;
  pipeline_id: string;
  revision_id: string;
  workspace_id: string | null;
  event_id: string;
  event_type: string;
  status: string;
  error: string | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  /** The OpenTelemetry trace of the event that started it; null (or absent from older gateways) when untraced. */
  trace_id?: string | null;
  /** 1 for the first run; each re-run adds one. */
  run_attempt?: number;
  steps?: ApiStepRun[];
  /** The steps a re-run from the failure kept from earlier attempts. */
  lineage?: { run_attempt: number; reused: { step: string; from_attempt: number }[] };
}

export interface ApiPage<T> {
  items: T[];
  next_cursor: string | null;
}

export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled'];
