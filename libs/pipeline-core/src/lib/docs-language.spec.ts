import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { anEvent } from '../test-builders';
import { formatDiagnostic } from './diagnostics';
import { parsePipelineOrThrow, parsePipeline } from './pipeline-parser';
import { planExecutionDetailed } from './planner';

const doc = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'language.md'), 'utf8');
const examples = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
const byName = (name: string) => parsePipelineOrThrow(examples.find((e) => e.startsWith(`name: ${name}\n`))!).document;

describe('docs/language.md', () => {
  it('has an example of each feature', () => {
    expect(examples.map((e) => /^name: (.+)$/m.exec(e)?.[1])).toEqual(['sdk-release', 'promote-with-failure-path', 'promote-one-at-a-time', 'sync-drift-report']);
  });

  it.each(examples.map((e) => [/^name: (.+)$/m.exec(e)?.[1], e]))('%s parses with no errors and no warnings', (_name, source) => {
    const r = parsePipeline(source);
    expect([...r.errors, ...r.warnings].map(formatDiagnostic)).toEqual([]);
  });

  it('plans the failure path as the page says', () => {
    const definition = byName('promote-with-failure-path').definition;
    const event = anEvent({ type: 'scenario.published', payload: { scenario_id: 's-1', scenario_name: 'checkout', version: '3' } });
    const failed = planExecutionDetailed(definition, { promote: { status: 'failed' } }, { event });
    expect(failed.toSkip).toEqual(['tell_team']);
    expect(failed.skipReasons.tell_team.message).toBe('needs "promote", which failed');
    expect(failed.runnable).toEqual(['page_oncall']);
    const end = planExecutionDetailed(definition, { promote: { status: 'failed' }, tell_team: { status: 'skipped' }, page_oncall: { status: 'succeeded' } }, { event });
    expect(end.runnable).toEqual(['record']);
    const ok = planExecutionDetailed(definition, { promote: { status: 'succeeded' }, tell_team: { status: 'succeeded' } }, { event });
    expect(ok.skipReasons.page_oncall.message).toBe('if: failure() is false');
    expect(ok.runnable).toEqual(['record']);
    const draft = planExecutionDetailed(definition, {}, { event: { ...event, payload: { ...event.payload, scenario_name: 'Draft-x' } } });
    expect(draft.toSkip).toEqual(['promote', 'tell_team', 'page_oncall']);
    expect(draft.runnable).toEqual(['record']);
  });

  it('runs both branches of the diamond at once', () => {
    const definition = byName('sdk-release').definition;
    expect(planExecutionDetailed(definition, { regenerate: { status: 'succeeded' } }).runnable).toEqual(['open_pr', 'notify_frontend']);
  });
});
