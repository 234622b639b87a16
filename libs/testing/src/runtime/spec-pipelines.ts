import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const repoRoot = join(__dirname, '..', '..', '..', '..');

/** The complete pipelines of the product spec, as shipped in `examples/` (checked verbatim against the spec's blocks). */
export const SPEC_PIPELINES = {
  'schema-change-pipeline': 'pipeline-structure.yaml',
  'auto-sdk-regeneration': 'use-case-1-auto-sdk-regeneration.yaml',
  'auto-promote-to-test': 'use-case-2-auto-promote-to-test.yaml',
  'drift-gitops-pr': 'use-case-3-drift-gitops-pr.yaml',
} as const;

export type SpecPipelineName = keyof typeof SPEC_PIPELINES;

/** The YAML text of one of the spec's pipelines, unchanged, for tests that must use it as written. */
export function specPipeline(name: SpecPipelineName): string {
  return readFileSync(join(repoRoot, 'examples', `${name}.yaml`), 'utf8');
}

/** The verbatim copy of the same spec block that pipeline-core's tests validate. */
export function specFixture(name: SpecPipelineName): string {
  return readFileSync(join(repoRoot, 'libs', 'pipeline-core', 'src', 'fixtures', 'spec', SPEC_PIPELINES[name]), 'utf8');
}

/** A one-step pipeline that posts `message` to `url` (a notify webhook) for every `event`. */
export function webhookPipeline(name: string, url: string, message = '{{event.scenario_id}}', event = 'scenario.published'): string {
  return `name: ${name}
definition:
  triggers:
    - event: ${event}
  steps:
    - name: hook
      step_type: notify
      config:
        type: webhook
        webhook_url: "${url}"
        message: "${message}"
`;
}
