import { defineStepType, f } from './schema';

export const ENTITY_TYPES = ['scenario', 'persona', 'config'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** `auto_promote`: moves an entity's version to the next environment, optionally after approval. */
export const autoPromoteStepType = defineStepType({
  type: 'auto_promote',
  summary: "Promotes an entity's current version from one environment to the next (compare-and-set), optionally waiting for approval; emits promotion.completed.",
  retryPolicy: 'default',
  fields: {
    entity_type: f.oneOf(ENTITY_TYPES, 'entity_type', 'What is promoted.').orTemplate().required(),
    entity_id: f.textOrNumber('Which one, e.g. "{{event.scenario_id}}".').required(),
    from_environment: f.text('Source environment.').required(),
    to_environment: f.text('Target environment (the next in the workspace\'s order unless allow_skip).').required(),
    comments: f.optionalText('Recorded with the promotion.'),
    version: f.textOrNumber('Expected version in the source; default whatever is there.'),
    require_approval: f.bool('Wait for POST /promotions/:id/approve.').orTemplate(),
    allow_skip: f.bool('Allow skipping environments (dev → prod).').orTemplate(),
  },
  example: { entity_type: 'scenario', entity_id: '{{event.scenario_id}}', from_environment: 'dev', to_environment: 'test' },
});
