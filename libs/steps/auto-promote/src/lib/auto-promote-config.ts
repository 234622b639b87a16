import type { AutoPromoteConfig, EntityType } from '@mockops/pipeline-core';

export type { AutoPromoteConfig } from '@mockops/pipeline-core';

/** The config as the handler uses it: ids and versions are text, flags are booleans. */
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

const text = (v: string | number | undefined): string | null => (v === undefined || String(v).trim() === '' ? null : String(v).trim());

/**
 * Normalizes an auto_promote config that pipeline-core's schema has checked (the worker base checks
 * the rendered config before the handler runs).
 */
export function normalizeAutoPromoteConfig(c: AutoPromoteConfig): ValidAutoPromoteConfig {
  return {
    entityType: c.entity_type as EntityType,
    entityId: String(c.entity_id).trim(),
    fromEnvironment: c.from_environment.trim(),
    toEnvironment: c.to_environment.trim(),
    comments: c.comments?.trim() ? c.comments : null,
    version: text(c.version),
    requireApproval: c.require_approval === true,
    allowSkip: c.allow_skip === true,
  };
}
