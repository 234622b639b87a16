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
  steps?: ApiStepRun[];
}

export interface ApiPage<T> {
  items: T[];
  next_cursor: string | null;
}

export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled'];
