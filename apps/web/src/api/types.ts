// The REST API's shapes, as the web app reads them (snake_case, as the API speaks).

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Pipeline {
  id: string;
  name: string;
  description: string | null;
  workspace_id: string | null;
  enabled: boolean;
  revision: number;
  revision_id: string;
  definition: { triggers?: { event: string }[]; steps?: { name: string; step_type: string }[] } & Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface LastRun {
  id: string;
  status: string;
  queued_at: string;
  finished_at: string | null;
}

export interface PipelineSummary {
  pipeline_id: string;
  total: number;
  counts: Record<string, number>;
  success_rate: number | null;
  last_run: LastRun | null;
}

export interface PipelineStats {
  total: number;
  counts: Record<string, number>;
  success_rate: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  last_run: LastRun | null;
}

export interface StatsPoint {
  at: string;
  total: number;
  succeeded: number;
  failed: number;
  success_rate: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface StatsTimeline extends Page<StatsPoint> {
  bucket: 'minute' | 'hour' | 'day';
}

export interface Revision {
  id: string;
  revision: number;
  source_format: 'yaml' | 'json';
  source_text: string;
  created_at: string;
}

export interface Execution {
  id: string;
  pipeline_id: string;
  pipeline_name?: string;
  revision_id: string;
  workspace_id: string | null;
  event_id: string;
  event_type: string;
  status: string;
  run_attempt: number;
  error: string | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

export interface StepRun {
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
  outputs: Record<string, unknown> | null;
  error: string | null;
  error_code: string | null;
  /** Why a skipped step did not run. */
  skip_reason?: { code: string; message: string } | null;
  /** Kept from this earlier run attempt by a re-run from the failure (not run again). */
  reused_from_attempt?: number | null;
  logs: { at: string; attempt: number; message: string }[];
}

export interface ExecutionDetail extends Execution {
  event: Record<string, unknown>;
  steps: StepRun[];
}

export interface ExecutionChange {
  execution_id: string;
  pipeline_id: string;
  workspace_id: string | null;
  status: string;
  step?: string;
  step_status?: string;
}

export interface Artifact {
  name: string;
  step_name: string;
  media_type: string;
  size: number;
  sha256: string;
  created_at: string;
}

export interface Promotion {
  id: string;
  status: string;
  workspace_id: string;
  entity_type: string;
  entity_id: string;
  version: string;
  from_environment: string;
  to_environment: string;
  execution_id: string | null;
  step_name?: string | null;
  created_at: string;
  error?: string | null;
}

export interface WorkspaceEnvironments {
  workspace_id: string;
  configured: boolean;
  order: string[];
  environments: { name: string; position: number | null; entities: { entity_type: string; entity_id: string; version: string; promotion_id: string | null; updated_at: string }[] }[];
}

export interface DeadLetter {
  id: string;
  reason: string;
  original: string;
  entry_id: string | null;
  stream: string | null;
  at: string | null;
  event_type: string | null;
  event_id: string | null;
  workspace_id: string | null;
  replayed: { entry_id: string; at: string; by: string | null } | null;
}

export interface EventType {
  type: string;
  description: string;
  payload_schema: Record<string, unknown>;
}

export interface ApiErrorBody {
  code: string;
  message: string;
  details: { message: string; path?: string; line?: number; column?: number }[];
}
