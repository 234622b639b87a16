import { renderExecution } from './pipelines.command';
import type { ApiExecution, ApiStepRun } from '../lib/resources';

function step(name: string, status: string, extra: Partial<ApiStepRun> = {}): ApiStepRun {
  return {
    name,
    step_type: 'notify',
    index: 0,
    status,
    attempts: status === 'skipped' ? 0 : 1,
    max_attempts: 3,
    started_at: null,
    finished_at: null,
    duration_ms: null,
    config: null,
    outputs: null,
    error: null,
    error_code: null,
    logs: [],
    ...extra,
  };
}

describe('renderExecution', () => {
  it('shows why a skipped step did not run, and a failed step its error', () => {
    const execution = {
      id: 'e-1',
      pipeline_id: 'p-1',
      revision_id: 'r-1',
      workspace_id: 'ws',
      event_id: 'evt',
      event_type: 'drift.threshold_exceeded',
      status: 'failed',
      error: 'step "deploy" failed: boom',
      queued_at: '2026-11-30T00:00:00.000Z',
      started_at: null,
      finished_at: null,
      duration_ms: null,
      steps: [
        step('deploy', 'failed', { error: 'boom' }),
        step('tell_team', 'skipped', { skip_reason: { code: 'NEED_FAILED', message: 'needs "deploy", which failed' } }),
        step('page_oncall', 'succeeded'),
      ],
    } as unknown as ApiExecution;
    const text = renderExecution(execution);
    expect(text).toMatch(/tell_team\s+notify\s+skipped\s.*skipped: needs "deploy", which failed/);
    expect(text).toMatch(/deploy\s+notify\s+failed\s.*boom/);
  });
});
