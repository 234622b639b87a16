import { ENTITY_TYPES, type EntityType } from '@mockops/pipeline-core';
import { PermanentStepError } from '@mockops/worker-kit';

export type { AutoPromoteConfig } from '@mockops/pipeline-core';

export const AUTO_PROMOTE_CONFIG_FIELDS: readonly string[] = [
  'entity_type',
  'entity_id',
  'from_environment',
  'to_environment',
  'comments',
  'version',
  'require_approval',
  'allow_skip',
];

/** The rendered config checked and normalised: ids and versions are text, flags are booleans. */
export interface ValidAutoPromoteConfig {
  entityType: EntityType;
  entityId: string;
  fromEnvironment: string;
  toEnvironment: string;
  comments: string | null;
  version: string | null;
  requireApproval: boolean;
  allowSkip: boolean;
}

/**
 * Validates the rendered config. Every problem is listed in one PermanentStepError (code
 * AUTO_PROMOTE_CONFIG_INVALID): a bad config never gets better by retrying.
 */
export function parseAutoPromoteConfig(raw: unknown): ValidAutoPromoteConfig {
  const problems: string[] = [];
  const config = (raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  if (config !== raw) problems.push('config must be a mapping');
  for (const key of Object.keys(config)) {
    if (!AUTO_PROMOTE_CONFIG_FIELDS.includes(key)) problems.push(`unknown field "${key}"`);
  }

  const entityType = config['entity_type'];
  if (!(ENTITY_TYPES as readonly unknown[]).includes(entityType)) {
    problems.push(`entity_type must be one of ${ENTITY_TYPES.join(', ')}, got ${show(entityType)}`);
  }
  const entityId = idText(config['entity_id']);
  if (entityId === null) problems.push(`entity_id must be a non-empty string or number, got ${show(config['entity_id'])}`);
  const from = requiredText(config, 'from_environment', problems);
  const to = requiredText(config, 'to_environment', problems);
  const comments = config['comments'];
  if (comments !== undefined && comments !== null && typeof comments !== 'string') problems.push(`comments must be text, got ${show(comments)}`);
  let version: string | null = null;
  if (config['version'] !== undefined && config['version'] !== null && config['version'] !== '') {
    version = idText(config['version']);
    if (version === null) problems.push(`version must be a string or number, got ${show(config['version'])}`);
  }
  const requireApproval = flag(config, 'require_approval', problems);
  const allowSkip = flag(config, 'allow_skip', problems);

  if (problems.length || entityId === null || from === null || to === null) {
    throw new PermanentStepError(`invalid auto_promote config: ${problems.join('; ')}`, 'AUTO_PROMOTE_CONFIG_INVALID');
  }
  return {
    entityType: entityType as EntityType,
    entityId,
    fromEnvironment: from,
    toEnvironment: to,
    comments: typeof comments === 'string' && comments.trim() !== '' ? comments : null,
    version,
    requireApproval,
    allowSkip,
  };
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function idText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return null;
}

function requiredText(config: Record<string, unknown>, key: string, problems: string[]): string | null {
  const value = config[key];
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  problems.push(`${key} must be a non-empty string, got ${show(value)}`);
  return null;
}

/** A template rendered inside a string gives "true"/"false": accept those as the booleans they mean. */
function flag(config: Record<string, unknown>, key: string, problems: string[]): boolean {
  const value = config[key];
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  problems.push(`${key} must be true or false, got ${show(value)}`);
  return false;
}
