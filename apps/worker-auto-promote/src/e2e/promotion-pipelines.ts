// Small builders for the pipelines and events the promotion end-to-end specs use.
import { specPipeline } from '@mockops/testing';

/** The spec's "Auto-Promote Scenarios to Test" pipeline, verbatim. */
export const SPEC_AUTO_PROMOTE_YAML = specPipeline('auto-promote-to-test');
export const SPEC_WORKSPACE = 'your-workspace-id';

/** Chains on the spec pipeline's outcome: a signed webhook when something reaches `test`. */
export function onPromotionCompletedPipeline(webhookUrl: string): string {
  return `name: announce-promotions
definition:
  triggers:
    - event: promotion.completed
      filters:
        to_environment: test
  steps:
    - name: tell_platform
      step_type: notify
      config:
        type: webhook
        webhook_url: "${webhookUrl}"
        message: "{{event.entity_type}} {{event.entity_id}} v{{event.version}} reached {{event.to_environment}} ({{event.promotion_id}})"
`;
}

/** A promotion that waits for a person, then reports the version it promoted. */
export function approvalPipeline(workspaceId: string, webhookUrl: string): string {
  return `name: promote-with-approval
definition:
  triggers:
    - event: scenario.published
      filters:
        workspace_id: "${workspaceId}"
  steps:
    - name: promote
      step_type: auto_promote
      config:
        entity_type: scenario
        entity_id: "{{event.scenario_id}}"
        from_environment: dev
        to_environment: test
        comments: "needs QA sign-off"
        require_approval: true
    - name: report
      step_type: notify
      config:
        type: webhook
        webhook_url: "${webhookUrl}"
        message: "approved {{steps.promote.outputs.entity_id}} v{{steps.promote.outputs.version}}"
`;
}

/** Straight from dev to prod, without allow_skip. */
export function skippingPipeline(workspaceId: string): string {
  return `name: promote-dev-to-prod
definition:
  triggers:
    - event: scenario.published
      filters:
        workspace_id: "${workspaceId}"
  steps:
    - name: promote
      step_type: auto_promote
      config:
        entity_type: scenario
        entity_id: "{{event.scenario_id}}"
        from_environment: dev
        to_environment: prod
`;
}

/** Promotes a persona nobody published. */
export function personaPipeline(workspaceId: string): string {
  return `name: promote-persona
definition:
  triggers:
    - event: persona.updated
      filters:
        workspace_id: "${workspaceId}"
  steps:
    - name: promote
      step_type: auto_promote
      config:
        entity_type: persona
        entity_id: "{{event.persona_id}}"
        from_environment: dev
        to_environment: test
`;
}

export function scenarioPublished(workspaceId: string, scenarioId: string, version: string | number = 3, name = 'checkout-happy-path') {
  return { scenario_id: scenarioId, scenario_name: name, version, workspace_id: workspaceId };
}
