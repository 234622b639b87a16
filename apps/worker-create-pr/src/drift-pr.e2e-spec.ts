import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { parsePipeline } from '@mockops/pipeline-core';
import { EventPublisher } from '@mockops/event-stream';
import { MatcherService, startService, type RunningService } from '@mockops/runtime';
import { createCreatePrHandler } from '@mockops/step-create-pr';
import { createTestEnv, eventually, specPipeline, startGithubApiDouble, type GithubApiDouble, type TestEnv } from '@mockops/testing';

// The spec's use case 3 verbatim ("Create PR on Drift Violations"), from examples/.
const DRIFT_PIPELINE = specPipeline('drift-gitops-pr');

const driftData = { endpoint: 'GET /pets/{id}', mismatches: [{ field: 'status', expected: 'string', actual: 'integer' }], sample_count: 12 };

describe('drift.threshold_exceeded → create_pr through the runtime (spec use case 3)', () => {
  let env: TestEnv;
  let github: GithubApiDouble;
  let service: RunningService;
  let pipelineId: string;

  beforeAll(async () => {
    github = await startGithubApiDouble({ tokens: ['ghs_e2e_token_123'] });
    github.seedRepo({ owner: 'org', repo: 'repo', defaultBranch: 'main', files: { 'README.md': '# repo\n' } });
    env = await createTestEnv({ GITHUB_API_URL: github.url });
    const handler = createCreatePrHandler({
      githubApiUrl: github.url,
      egress: { allow: '127.0.0.1' },
      policy: { writeMinTimeMs: 0, notificationMinTimeMs: 0, retryAfterBaseMs: 5 },
    });
    service = await startService(
      {
        name: 'drift-e2e',
        matcher: true,
        handlers: [handler],
        gateway: { rateLimit: false, webUi: false },
      },
      { config: env.config, overrides: { secrets: { GITHUB_TOKEN: 'ghs_e2e_token_123' } } },
    );
    const parsed = parsePipeline(DRIFT_PIPELINE);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const created = await service.infra.store.createPipeline({ name: 'drift-gitops-pr', workspaceId: null, document: parsed.document, sourceText: DRIFT_PIPELINE, sourceFormat: 'yaml' });
    pipelineId = created.id;
    await service.infra.notifier.notify(pipelineId, 'created');
    await eventually(async () => service.app.get(MatcherService).matcher.index.size === 1, 'the pipeline to be indexed');
  });

  afterAll(async () => {
    await service?.stop();
    await github?.stop();
    await env?.cleanup();
  });

  afterEach(() => {
    expect(github.violations).toEqual([]);
  });

  const finished = (id: string) =>
    eventually(async () => {
      const e = await service.infra.store.getExecution(id);
      return e && ['succeeded', 'failed', 'cancelled'].includes(e.status) ? e : undefined;
    }, `execution ${id} to finish`, 30_000);

  it('opens a PR with the drift report, and a re-run of the execution updates the same PR', async () => {
    const publisher = new EventPublisher(service.infra.redis, { stream: env.config.events.stream });
    await publisher.publish('drift.threshold_exceeded', { endpoint: 'GET /pets/{id}', drift_count: 7, threshold: 5, drift_data: driftData }, { id: 'drift-1' });

    const first = await eventually(async () => (await service.infra.store.listExecutions({ pipelineId, limit: 5 })).items[0], 'the execution');
    const done = await finished(first.id);
    expect(done.status).toBe('succeeded');
    const outputs = done.stepRuns[0].outputs as { pr_number: number; pr_url: string; head_branch: string; commit_sha: string; created: boolean };
    expect(outputs.created).toBe(true);

    const pulls = github.listPulls('org', 'repo');
    expect(pulls).toHaveLength(1);
    expect(pulls[0].title).toBe('Drift Violation: GET /pets/{id}');
    expect(pulls[0].body).toBe('Drift count: 7, Threshold: 5');
    expect(pulls[0].number).toBe(outputs.pr_number);
    const files = github.readBranchFiles('org', 'repo', outputs.head_branch)!;
    expect(JSON.parse(files['drift-report.json'])).toEqual(driftData);
    expect(files['drift-report.json']).toBe(`${JSON.stringify(driftData, null, 2)}\n`);
    // The stored config never holds the token.
    expect(JSON.stringify(done.stepRuns[0].renderedConfig)).not.toContain('ghs_e2e_token_123');

    // Re-run through the API: same execution, new run attempt, the same PR updated (never a second one).
    const http = service.app as INestApplication;
    const rerun = await request(http.getHttpServer()).post(`/api/v1/executions/${first.id}/rerun`).expect(200);
    expect(rerun.body.run_attempt).toBe(2);
    const again = await finished(first.id);
    expect(again.status).toBe('succeeded');
    expect(again.runAttempt).toBe(2);
    const rerunOutputs = again.stepRuns[0].outputs as { pr_number: number; created: boolean };
    expect(rerunOutputs.pr_number).toBe(outputs.pr_number);
    expect(rerunOutputs.created).toBe(false);
    expect(github.listPulls('org', 'repo')).toHaveLength(1);

    // An unknown execution is a 404 in the API error shape.
    await request(http.getHttpServer()).post(`/api/v1/executions/00000000-0000-0000-0000-000000000000/rerun`).expect(404);
  });
});
