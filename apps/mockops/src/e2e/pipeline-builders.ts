// Small builders for the pipelines and events the end-to-end specs use.
import { parsePipeline } from '@mockops/pipeline-core';
import type { Infrastructure } from '@mockops/runtime';

/** Saves a pipeline from its YAML straight into the store and announces it to the matchers, as the API does. */
export async function savePipeline(infra: Pick<Infrastructure, 'store' | 'notifier'>, source: string, workspaceId: string | null = null): Promise<{ id: string }> {
  const parsed = parsePipeline(source);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const created = await infra.store.createPipeline({ name: parsed.document.name, workspaceId, document: parsed.document, sourceText: source, sourceFormat: 'yaml' });
  await infra.notifier.notify(created.id, 'created');
  return created;
}
export function scenarioNotifyPipeline(opts: { name: string; workspaceId: string; slackUrl: string; webhookUrl: string; emailTo: string }): string {
  return `name: ${opts.name}
definition:
  enabled: true
  triggers:
    - event: scenario.published
      filters:
        workspace_id: "${opts.workspaceId}"
  steps:
    - name: notify_slack
      step_type: notify
      config:
        type: slack
        slack_webhook_url: "${opts.slackUrl}"
        channels: ["#devops", "#qa"]
        message: "Scenario {{event.scenario_name}} v{{event.version}} published in {{workspace_id}}"
    - name: notify_email
      step_type: notify
      config:
        type: email
        email_to: ["${opts.emailTo}"]
        subject: "Scenario {{event.scenario_name}} published"
        message: "Execution {{execution_id}} of {{pipeline.name}}"
    - name: notify_webhook
      step_type: notify
      config:
        type: webhook
        webhook_url: "${opts.webhookUrl}"
        webhook_secret: "{{secrets.HOOK_SECRET}}"
        message: "{{steps.notify_slack.outputs.delivered}} slack messages sent for {{event.scenario_id}}"
`;
}

export function scenarioEvent(workspaceId: string, scenarioId = 'sc-1', extra: Record<string, unknown> = {}) {
  return {
    scenario_id: scenarioId,
    scenario_name: 'checkout-happy-path',
    version: '3',
    workspace_id: workspaceId,
    ...extra,
  };
}
