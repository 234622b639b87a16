import { randomUUID } from 'node:crypto';
import { load as loadYaml } from 'js-yaml';
import { TemplateRenderer, type EventEnvelope } from '@mockops/pipeline-core';
import { PermanentStepError, StepError, TransientStepError, type StepRunContext } from '@mockops/worker-kit';
import { buildStepRunContext, specPipeline, startGithubApiDouble, type GithubApiDouble } from '@mockops/testing';
import type { CreatePrStepConfig } from './create-pr.config';
import { createCreatePrHandler, type CreatePrHandlerOptions } from './create-pr.handler';

// Loading and compiling GitHub's 13 MB description takes seconds on a busy 2-core machine.
jest.setTimeout(60_000);

// The spec's use case 3, verbatim (docs/spec: "Create PR on Drift Violations").
const DRIFT_GITOPS_PR = specPipeline('drift-gitops-pr');

const TOKEN = 'test-token';
const renderer = new TemplateRenderer();

function driftEvent(overrides: Record<string, unknown> = {}): EventEnvelope {
  return {
    id: randomUUID(),
    type: 'drift.threshold_exceeded',
    occurred_at: new Date().toISOString(),
    payload: {
      endpoint: 'GET /users/{id}',
      drift_count: 7,
      threshold: 5,
      drift_data: {
        endpoint: 'GET /users/{id}',
        incidents: [
          { field: 'email', expected: 'string', actual: 'null' },
          { field: 'age', expected: 'integer', actual: 'string' },
        ],
      },
      ...overrides,
    },
  } as EventEnvelope;
}

interface ContextInput {
  config: Record<string, unknown>;
  event?: EventEnvelope;
  executionId?: string;
  pipelineName?: string;
  secrets?: Record<string, string>;
  steps?: Record<string, { outputs: Record<string, unknown> }>;
  attempt?: number;
  signal?: AbortSignal;
}

/** A StepRunContext as the worker base builds it: config already rendered with pipeline-core's renderer. */
function stepContext(input: ContextInput): StepRunContext<CreatePrStepConfig> & { lines: string[] } {
  const event = input.event ?? driftEvent();
  const executionId = input.executionId ?? randomUUID();
  const pipelineName = input.pipelineName ?? 'drift-gitops-pr';
  const secrets = input.secrets ?? { GITHUB_TOKEN: TOKEN };
  const steps = input.steps ?? {};
  const startedAt = new Date().toISOString();
  const config = renderer.renderConfig(input.config, {
    event: event.payload as Record<string, unknown>,
    envelope: event,
    timestamp: startedAt,
    execution_id: executionId,
    pipeline: { id: 'p-1', name: pipelineName },
    steps,
    secrets,
  }) as CreatePrStepConfig;
  const built = buildStepRunContext(config, { executionId, pipelineId: 'p-1', pipelineName, stepName: 'create_pr', attempt: input.attempt, event, secrets, workspaceId: null, startedAt });
  return { ...built, steps, signal: input.signal ?? built.signal, lines: built.logs };
}

function specStepConfig(): Record<string, unknown> {
  const doc = loadYaml(DRIFT_GITOPS_PR) as { definition: { steps: { config: Record<string, unknown> }[] } };
  return doc.definition.steps[0].config;
}

describe('create_pr handler against the GitHub API double', () => {
  let github: GithubApiDouble;
  let options: CreatePrHandlerOptions;

  beforeEach(async () => {
    github = await startGithubApiDouble({ tokens: [TOKEN] });
    github.seedRepo({
      owner: 'org',
      repo: 'repo',
      files: { 'README.md': '# repo\n', 'config/old.yaml': 'legacy: true\n', 'src/app.ts': 'export const v = 1;\n' },
      collaborators: ['alice', 'bob'],
    });
    options = {
      githubApiUrl: github.url,
      egress: { allow: '127.0.0.1' },
      // GitHub's spacing of writes and second-based retry waits, shrunk so the suite stays quick.
      policy: { writeMinTimeMs: 0, notificationMinTimeMs: 0, retryAfterBaseMs: 5 },
    };
  });

  afterEach(async () => {
    await github.stop();
    expect(github.violations).toEqual([]);
  });

  const handler = () => createCreatePrHandler(options);

  async function runFails(ctx: StepRunContext<CreatePrStepConfig>): Promise<StepError> {
    try {
      await handler().run(ctx);
    } catch (e) {
      expect(e).toBeInstanceOf(StepError);
      return e as StepError;
    }
    throw new Error('expected the step to fail');
  }

  it('opens a PR for the spec drift-gitops-pr pipeline with the drift data as pretty JSON', async () => {
    const event = driftEvent();
    const ctx = stepContext({ config: specStepConfig(), event });
    const result = await handler().run(ctx);

    const pulls = github.listPulls('org', 'repo');
    expect(pulls).toHaveLength(1);
    const [pr] = pulls;
    expect(pr.title).toBe('Drift Violation: GET /users/{id}');
    expect(pr.body).toBe('Drift count: 7, Threshold: 5');
    expect(pr.base).toBe('main');
    expect(pr.head).toBe(`mockops/drift-gitops-pr/${ctx.execution.id.replace(/-/g, '').slice(0, 8)}`);
    expect(pr.commits).toHaveLength(1);
    expect(pr.commits[0].parents).toEqual([github.branchSha('org', 'repo', 'main')]);

    const files = github.readBranchFiles('org', 'repo', pr.head)!;
    expect(files['drift-report.json']).toBe(`${JSON.stringify(event.payload['drift_data'], null, 2)}\n`);
    expect(JSON.parse(files['drift-report.json'])).toEqual(event.payload['drift_data']);
    expect(files['README.md']).toBe('# repo\n');
    expect(github.readBranchFiles('org', 'repo', 'main')!['drift-report.json']).toBeUndefined();

    expect(result.outputs).toEqual({
      pr_url: 'https://github.com/org/repo/pull/1',
      pr_number: 1,
      head_branch: pr.head,
      base_branch: 'main',
      commit_sha: pr.commits[0].sha,
      created: true,
      changed: true,
    });
    expect(ctx.lines.join('\n')).not.toContain(TOKEN);
    expect(github.operationsCalled()).toEqual([
      'GET git/get-ref',
      'GET git/get-commit',
      'GET git/get-ref',
      'GET git/get-tree',
      'POST git/create-blob',
      'POST git/create-tree',
      'POST git/create-commit',
      'POST git/create-ref',
      'GET pulls/list',
      'POST pulls/create',
    ]);
  });

  it('re-running the same execution reuses the PR and the commit', async () => {
    const event = driftEvent();
    const executionId = randomUUID();
    const first = await handler().run(stepContext({ config: specStepConfig(), event, executionId }));
    const again = await handler().run(stepContext({ config: specStepConfig(), event, executionId, attempt: 2 }));

    expect(github.listPulls('org', 'repo')).toHaveLength(1);
    expect(again.outputs).toMatchObject({ pr_number: first.outputs.pr_number, commit_sha: first.outputs.commit_sha, created: false, changed: false });
  });

  it('a re-run after the target moved rebuilds the branch on it and updates the same PR', async () => {
    const executionId = randomUUID();
    const config = specStepConfig();
    const first = await handler().run(stepContext({ config, executionId }));
    // Someone merges other work into main meanwhile; the retry also carries a new title.
    const mainBefore = github.pushCommit('org', 'repo', 'main', { 'NOTES.md': 'unrelated\n' });
    const again = await handler().run(
      stepContext({ config: { ...config, title: 'Drift Violation (retry): {{event.endpoint}}' }, executionId, attempt: 2 }),
    );

    const mine = github.listPulls('org', 'repo').filter((p) => p.head === first.outputs.head_branch);
    expect(mine).toHaveLength(1);
    expect(mine[0].title).toBe('Drift Violation (retry): GET /users/{id}');
    expect(again.outputs).toMatchObject({ pr_number: first.outputs.pr_number, created: false });
    // Still exactly one commit on top of main: the old one was replaced, not stacked.
    expect(mine[0].commits).toHaveLength(1);
    expect(mine[0].commits[0].parents).toEqual([mainBefore]);
    expect(github.readBranchFiles('org', 'repo', first.outputs.head_branch as string)).toMatchObject({
      'NOTES.md': 'unrelated\n',
      'drift-report.json': expect.any(String),
    });
  });

  it('commits a create, an update and a delete as one commit', async () => {
    const ctx = stepContext({
      config: {
        repository: 'https://github.com/org/repo',
        branch: 'main',
        title: 'Sync mocks',
        commit_message: 'chore: sync mocks',
        files: [
          { path: 'mocks/users.json', content: { users: [{ id: 1 }] }, operation: 'create' },
          { path: 'src/app.ts', content: 'export const v = 2;\n', operation: 'update' },
          { path: 'config/old.yaml', operation: 'delete' },
        ],
      },
    });
    const result = await handler().run(ctx);

    const [pr] = github.listPulls('org', 'repo');
    expect(pr.commits).toHaveLength(1);
    expect(pr.commits[0].message).toBe(`chore: sync mocks\n\nMockOps-Execution-Id: ${ctx.execution.id}\n`);
    expect(result.outputs.commit_sha).toBe(pr.commits[0].sha);
    expect(github.readBranchFiles('org', 'repo', pr.head)).toEqual({
      'README.md': '# repo\n',
      'mocks/users.json': '{\n  "users": [\n    {\n      "id": 1\n    }\n  ]\n}\n',
      'src/app.ts': 'export const v = 2;\n',
    });
  });

  it('commits the files an earlier step produced (regenerate_sdk outputs)', async () => {
    const steps = {
      regenerate_sdk: {
        outputs: {
          files: [
            { path: 'sdks/typescript/index.ts', content: 'export {};\n' },
            { path: 'sdks/python/__init__.py', content: '' },
          ],
        },
      },
    };
    const ctx = stepContext({
      config: {
        repository: 'org/repo',
        branch: 'main',
        title: 'Regenerated SDKs for {{pipeline.name}}',
        files: '{{steps.regenerate_sdk.outputs.files}}',
      },
      steps,
    });
    await handler().run(ctx);
    const [pr] = github.listPulls('org', 'repo');
    const files = github.readBranchFiles('org', 'repo', pr.head)!;
    expect(files['sdks/typescript/index.ts']).toBe('export {};\n');
    expect(files['sdks/python/__init__.py']).toBe('');
  });

  it('applies labels, reviewers and draft', async () => {
    await handler().run(
      stepContext({ config: { ...specStepConfig(), labels: ['drift', 'automated'], reviewers: ['alice', '@bob'], draft: true } }),
    );
    const [pr] = github.listPulls('org', 'repo');
    expect(pr).toMatchObject({ draft: true, labels: ['drift', 'automated'], requestedReviewers: ['alice', 'bob'] });
  });

  it('adds a commit on top of a given head branch that already has other work', async () => {
    const first = await handler().run(
      stepContext({ config: { ...specStepConfig(), head_branch: 'drift/fixes' } }),
    );
    const second = await handler().run(
      stepContext({
        config: { ...specStepConfig(), head_branch: 'drift/fixes', files: [{ path: 'second.txt', content: 'two\n' }] },
      }),
    );
    const [pr] = github.listPulls('org', 'repo');
    expect(github.listPulls('org', 'repo')).toHaveLength(1);
    expect(pr.commits.map((c) => c.sha)).toEqual([second.outputs.commit_sha, first.outputs.commit_sha]);
    expect(Object.keys(github.readBranchFiles('org', 'repo', 'drift/fixes')!)).toEqual(
      expect.arrayContaining(['drift-report.json', 'second.txt']),
    );
  });

  it('reopens the execution\'s closed PR instead of opening a second one', async () => {
    const executionId = randomUUID();
    const first = await handler().run(stepContext({ config: specStepConfig(), executionId }));
    github.closePull('org', 'repo', first.outputs.pr_number as number);
    const again = await handler().run(stepContext({ config: specStepConfig(), executionId, attempt: 2 }));
    expect(again.outputs).toMatchObject({ pr_number: first.outputs.pr_number, created: false });
    expect(github.listPulls('org', 'repo').map((p) => p.state)).toEqual(['open']);
  });

  it('does nothing when the target branch already has the content', async () => {
    const result = await handler().run(
      stepContext({ config: { ...specStepConfig(), files: [{ path: 'README.md', content: '# repo\n' }, { path: 'gone.txt', operation: 'delete' }] } }),
    );
    expect(result.outputs).toMatchObject({ pr_url: null, created: false, changed: false });
    expect(github.listPulls('org', 'repo')).toEqual([]);
  });

  describe('GitHub errors', () => {
    it('a bad token fails permanently with a 401 message', async () => {
      const e = await runFails(stepContext({ config: specStepConfig(), secrets: { GITHUB_TOKEN: 'wrong' } }));
      expect(e).toBeInstanceOf(PermanentStepError);
      expect(e.message).toMatch(/^GitHub rejected the token \(401\)/);
      expect(e.message).not.toContain('wrong');
    });

    it('a missing repository fails permanently', async () => {
      const e = await runFails(stepContext({ config: { ...specStepConfig(), repository: 'https://github.com/org/missing' } }));
      expect(e).toBeInstanceOf(PermanentStepError);
      expect(e.message).toContain('repository org/missing not found or token lacks access');
    });

    it('a 403 (no access) fails permanently', async () => {
      github.failNext(1, { status: 403, operationId: 'git/get-ref' });
      const e = await runFails(stepContext({ config: specStepConfig() }));
      expect(e).toBeInstanceOf(PermanentStepError);
      expect(e.message).toContain('repository org/repo not found or token lacks access');
      expect(e.message).toContain('Resource not accessible by personal access token');
    });

    it('a missing target branch names the branch', async () => {
      const e = await runFails(stepContext({ config: { ...specStepConfig(), branch: 'release' } }));
      expect(e).toBeInstanceOf(PermanentStepError);
      expect(e.message).toBe('target branch "release" does not exist in org/repo');
    });

    it('a 422 (branch protection) carries GitHub\'s message', async () => {
      github.failNext(1, { status: 422, operationId: 'pulls/create', message: 'Protected branch update failed for refs/heads/main.' });
      const e = await runFails(stepContext({ config: specStepConfig() }));
      expect(e).toBeInstanceOf(PermanentStepError);
      expect(e.message).toContain('Protected branch update failed for refs/heads/main.');
      expect(e.message).toContain('creating the pull request');
    });

    it('a reviewer who is not a collaborator fails with GitHub\'s reason', async () => {
      const e = await runFails(stepContext({ config: { ...specStepConfig(), reviewers: ['mallory'] } }));
      expect(e).toBeInstanceOf(PermanentStepError);
      expect(e.message).toContain('Reviews may only be requested from collaborators');
    });

    it('a secondary rate limit is waited out and retried by the throttling plugin', async () => {
      github.failNext(1, { status: 429, operationId: 'pulls/create', retryAfterSeconds: 2 });
      const ctx = stepContext({ config: specStepConfig() });
      const result = await handler().run(ctx);
      expect(result.outputs.created).toBe(true);
      expect(github.listPulls('org', 'repo')).toHaveLength(1);
      expect(github.requests.filter((r) => r.operationId === 'pulls/create').map((r) => r.status)).toEqual([429, 201]);
      expect(ctx.lines.some((l) => /secondary rate limit .*waiting 2s/.test(l))).toBe(true);
    });

    it('a rate limit that persists becomes a transient error with GitHub\'s retry-after', async () => {
      github.failNext(10, { status: 429, operationId: 'git/get-commit', retryAfterSeconds: 30 });
      const e = await runFails(stepContext({ config: specStepConfig() }));
      expect(e).toBeInstanceOf(TransientStepError);
      expect(e.code).toBe('GITHUB_RATE_LIMITED');
      expect(e.retryAfterMs).toBe(30_000);
      // The first try plus the plugin's two bounded retries.
      expect(github.requests.filter((r) => r.operationId === 'git/get-commit')).toHaveLength(3);
    });

    it('a primary rate limit resetting later than the plugin may wait is handed to the step retry', async () => {
      github.failNext(1, { status: 403, rateLimitResetInSeconds: 600 });
      const e = await runFails(stepContext({ config: specStepConfig() }));
      expect(e).toBeInstanceOf(TransientStepError);
      expect(e.message).toContain('API rate limit exceeded');
      expect(e.retryAfterMs).toBeGreaterThan(590_000);
      expect(e.retryAfterMs).toBeLessThanOrEqual(602_000);
    });

    it('a transient 5xx is retried; a persistent one is a transient step error', async () => {
      github.failNext(1, { status: 502, operationId: 'git/create-commit' });
      const ok = await handler().run(stepContext({ config: specStepConfig() }));
      expect(ok.outputs.created).toBe(true);

      github.failNext(10, { status: 500, operationId: 'pulls/list' });
      const e = await runFails(stepContext({ config: { ...specStepConfig(), head_branch: 'drift/other' } }));
      expect(e).toBeInstanceOf(TransientStepError);
      expect(e.code).toBe('GITHUB_UNAVAILABLE');
    });

    it('refuses a private API address that is not allow-listed (SSRF guard)', async () => {
      options = { ...options, egress: { allow: '' } };
      const e = await runFails(stepContext({ config: specStepConfig() }));
      expect(e).toBeInstanceOf(PermanentStepError);
      expect(e.code).toBe('EGRESS_DENIED');
      expect(github.requests).toEqual([]);
    });

    it('stops with a transient error when the step is aborted (timeout or shutdown)', async () => {
      const abort = new AbortController();
      abort.abort();
      const e = await runFails(stepContext({ config: specStepConfig(), signal: abort.signal }));
      expect(e).toBeInstanceOf(TransientStepError);
      expect(e.code).toBe('STEP_ABORTED');
      expect(github.listPulls('org', 'repo')).toEqual([]);
    });

    it('without any token it says where to put one', async () => {
      const e = await runFails(stepContext({ config: specStepConfig(), secrets: {} }));
      expect(e).toBeInstanceOf(PermanentStepError);
      expect(e.code).toBe('GITHUB_TOKEN_MISSING');
    });

    it('takes the token from the step config when given as a secret template', async () => {
      const ctx = stepContext({
        config: { ...specStepConfig(), token: '{{secrets.DRIFT_BOT_TOKEN}}' },
        secrets: { DRIFT_BOT_TOKEN: TOKEN },
      });
      const result = await handler().run(ctx);
      expect(result.outputs.created).toBe(true);
    });
  });
});
