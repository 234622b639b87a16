/** The step types a pipeline can use; one worker app per type. */
export const STEP_TYPES = ['regenerate_sdk', 'auto_promote', 'notify', 'create_pr'] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const SDK_LANGUAGES = ['typescript', 'python', 'rust'] as const;
export type SdkLanguage = (typeof SDK_LANGUAGES)[number];

export const ENTITY_TYPES = ['scenario', 'persona', 'config'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export const NOTIFY_TYPES = ['slack', 'email', 'webhook'] as const;
export type NotifyType = (typeof NOTIFY_TYPES)[number];

export const FILE_OPERATIONS = ['create', 'update', 'delete'] as const;
export type FileOperation = (typeof FILE_OPERATIONS)[number];

/**
 * A config value written as a Liquid template (contains `{{` or `{%`). Its type is only known once
 * rendered, so save-time validation accepts it wherever a literal is expected.
 */
export type Template = string;

/** Defaults the workers apply when a config field is absent (documented, not written into the doc). */
export const REGENERATE_SDK_DEFAULT_OUTPUT_DIR = './generated-sdks';

export interface RegenerateSdkConfig {
  languages: SdkLanguage[] | (SdkLanguage | Template)[] | Template;
  /** When absent the worker uses the event's `spec_path`. */
  spec_path?: string;
  /** Inline spec text (instead of a path). */
  spec?: string;
  output_dir?: string;
  workspace_id?: string | number;
  package_name?: string;
}

export interface AutoPromoteConfig {
  entity_type: EntityType | Template;
  entity_id: string | number;
  from_environment: string;
  to_environment: string;
  comments?: string;
  version?: string | number;
  require_approval?: boolean | Template;
  allow_skip?: boolean | Template;
}

export interface NotifyConfig {
  type: NotifyType | Template;
  message: string;
  timeout_seconds?: number | Template;
  // slack
  slack_webhook_url?: string;
  channels?: string[] | Template;
  username?: string;
  icon_emoji?: string;
  // email
  email_to?: string[] | string;
  subject?: string;
  email_from?: string;
  smtp_url?: string;
  // webhook
  webhook_url?: string;
  webhook_secret?: string;
  headers?: Record<string, string>;
}

export interface CreatePrFile {
  path: string;
  /** Required unless `operation` is `delete`. */
  content?: string;
  /** Default `create`. */
  operation?: FileOperation | Template;
}

export interface CreatePrConfig {
  repository: string;
  /** The target (base) branch. */
  branch: string;
  title: string;
  body?: string;
  files: CreatePrFile[] | Template;
  /** Generated per execution when absent. */
  head_branch?: string;
  labels?: string[] | Template;
  reviewers?: string[] | Template;
  draft?: boolean | Template;
  api_url?: string;
  /** Only as a template such as `{{secrets.GITHUB_TOKEN}}`. */
  token?: Template;
  commit_message?: string;
}

export interface StepConfigByType {
  regenerate_sdk: RegenerateSdkConfig;
  auto_promote: AutoPromoteConfig;
  notify: NotifyConfig;
  create_pr: CreatePrConfig;
}

export interface StepRetries {
  max_attempts: number;
  backoff_seconds?: number;
}

interface StepBase {
  name: string;
  /**
   * Steps this one waits for (docs/language.md). Absent: the previous step (steps run in order);
   * `[]`: none, it starts with the execution.
   */
  needs?: string[];
  /** A condition (expressions/): the step runs when it is true, else it is skipped. Default `success()`. */
  if?: string | boolean;
  continue_on_error?: boolean;
  /** Seconds, 1..86400. */
  timeout?: number;
  retries?: StepRetries;
}

/** One union keyed on `step_type`, so a narrowed step has its own config type. */
export type StepDefinition = {
  [K in StepType]: StepBase & { step_type: K; config: StepConfigByType[K] };
}[StepType];

/** A filter value: equality for a scalar, any-of for a list. */
export type FilterScalar = string | number | boolean | null;
export type FilterValue = FilterScalar | FilterScalar[];

/** Inngest-style debounce: a burst of events with the same key starts one execution, with the last event. */
export interface DebounceDefinition {
  /** A template rendered per event (`{{event.entity_id}}`); absent: one key for the whole trigger. */
  key?: string;
  /** Quiet period, a duration such as `30s` or `5m` (1s..7d). */
  period: string;
  /** Longest delay from the first event of a burst (>= period, <= 7d). */
  max_wait?: string;
}

export interface TriggerDefinition {
  event: string;
  filters?: Record<string, FilterValue>;
  debounce?: DebounceDefinition;
}

/** At most one execution of a group runs at a time; the others wait in event order. */
export interface ConcurrencyDefinition {
  /** A template (`{{event.entity_id}}`) or a plain string. */
  group: string;
  /** A new execution cancels the one running in its group (and the ones waiting). Default false. */
  cancel_in_progress?: boolean;
}

export interface PipelineDefinition {
  /** Defaults to true when absent in the source. */
  enabled: boolean;
  triggers: TriggerDefinition[];
  steps: StepDefinition[];
  concurrency?: ConcurrencyDefinition;
}

export interface PipelineDocument {
  name: string;
  description?: string;
  definition: PipelineDefinition;
}

export const STEP_RUN_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
export type StepRunStatus = (typeof STEP_RUN_STATUSES)[number];

export const EXECUTION_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const TERMINAL_EXECUTION_STATUSES: readonly ExecutionStatus[] = ['succeeded', 'failed', 'cancelled'];
export const TERMINAL_STEP_RUN_STATUSES: readonly StepRunStatus[] = ['succeeded', 'failed', 'skipped', 'cancelled'];

export function isTerminalExecutionStatus(status: string): boolean {
  return (TERMINAL_EXECUTION_STATUSES as readonly string[]).includes(status);
}

export function isStepType(value: unknown): value is StepType {
  return typeof value === 'string' && (STEP_TYPES as readonly string[]).includes(value);
}
