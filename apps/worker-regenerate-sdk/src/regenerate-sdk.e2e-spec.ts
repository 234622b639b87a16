import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parsePipeline } from '@mockops/pipeline-core';
import { MatcherService, startService, type RunningService } from '@mockops/runtime';
import { createCreatePrHandler } from '@mockops/step-create-pr';
import { unpackTarGz, type SdkFileOutput } from '@mockops/step-regenerate-sdk';
import { createTestEnv, eventually, specPipeline, startGithubApiDouble, startHttpSink, TEST_REDIS_URL, type GithubApiDouble, type HttpSink, type TestEnv } from '@mockops/testing';

// GitHub's API description (13 MB) and three SDK generations per execution on a shared 2-core box.
jest.setTimeout(120_000);

// The spec's use case 1, "Auto-Regenerate SDKs on Schema Changes", verbatim (examples/).
const AUTO_SDK_REGENERATION = specPipeline('auto-sdk-regeneration');

// The SDKs feed a pull request: the workspace-owned pipeline only sees events of its workspace.
const SDK_PULL_REQUEST = `name: sdk-pull-request
definition:
  triggers:
    - event: schema.changed
      filters:
        schema_type: openapi
  steps:
    - name: regenerate_sdk
      step_type: regenerate_sdk
      config:
        spec_path: "{{event.spec_path}}"
        languages: ["typescript", "rust", "python"]
        output_dir: "./generated-sdks"
    - name: create_pr
      step_type: create_pr
      config:
        repository: "https://github.com/org/repo"
        branch: "main"
        title: "Regenerate SDKs for {{event.spec_path}}"
        body: "{{steps.regenerate_sdk.outputs.summary.operations}} operations, {{steps.regenerate_sdk.outputs.file_count}} files"
        files: "{{steps.regenerate_sdk.outputs.files}}"
`;

// The spec's opening example, verbatim: no spec_path (the event's is used), then a Slack notification.
const SCHEMA_CHANGE_PIPELINE = specPipeline('schema-change-pipeline');

const PETSTORE = join(__dirname, '../../../node_modules/@readme/oas-examples/3.0/yaml/petstore.yaml');
const TOKEN = 'gh-test-token';
const PR_WORKSPACE = 'ws-sdk-pr';

describe('schema.changed → regenerate_sdk (→ create_pr) through stream, matcher, workers, Postgres and the artifacts API', () => {
  let env: TestEnv;
  let service: RunningService;
  let redis: Redis;
  let github: GithubApiDouble;
  let specSink: HttpSink;
  let slack: HttpSink;
  let schemaChangePipelineId: string;
  let work: string;
  let specPipelineId: string;
  let prPipelineId: string;
  let petstoreText: string;
  let eventSeq = 0;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'rsdk-e2e-'));
    const specRoot = join(work, 'specs');
    await mkdir(join(specRoot, 'apis'), { recursive: true });
    petstoreText = await readFile(PETSTORE, 'utf8');
    await writeFile(join(specRoot, 'apis/petstore.yaml'), petstoreText);
    await writeFile(join(specRoot, 'apis/broken.yaml'), 'openapi: 3.0.3\ninfo:\n  title: Broken\n  version: "1"\npaths:\n  /pets:\n    get:\n      responses:\n        "200":\n          description: ok\n          content:\n            application/json:\n              schema:\n                $ref: "#/components/schemas/Missing"\n');
    await writeFile(join(work, 'secret.yaml'), petstoreText);

    [github, specSink, slack] = await Promise.all([
      startGithubApiDouble({ tokens: [TOKEN] }),
      startHttpSink({ respond: (req) => (req.pathname === '/specs/petstore.yaml' ? { status: 200, body: petstoreText } : 404) }),
      startHttpSink(),
    ]);
    github.seedRepo({ owner: 'org', repo: 'repo', files: { 'README.md': '# repo\n' } });

    // The PR pipeline belongs to a workspace: the operator shares its GitHub token with that workspace.
    env = await createTestEnv({
      MOCKOPS_SPEC_ROOT: specRoot,
      MOCKOPS_ARTIFACTS_DIR: join(work, 'artifacts'),
      MOCKOPS_EGRESS_ALLOW: '127.0.0.1',
      MOCKOPS_SHARED_SECRETS: `GITHUB_TOKEN=${PR_WORKSPACE}`,
    });
    service = await startService(
      {
        name: 'e2e-regenerate-sdk',
        matcher: true,
        handlers: [
          'regenerate_sdk',
          'notify',
          createCreatePrHandler({ githubApiUrl: github.url, egress: { allow: '127.0.0.1' }, policy: { writeMinTimeMs: 0, notificationMinTimeMs: 0, retryAfterBaseMs: 5 } }),
        ],
        gateway: { rateLimit: false, webUi: false, docs: false },
      },
      { config: env.config, overrides: { secrets: { GITHUB_TOKEN: TOKEN, SLACK_WEBHOOK_URL: `${slack.url}/services/T000/B000/slack-token` } } },
    );
    redis = new Redis(TEST_REDIS_URL);
    specPipelineId = await createPipeline(AUTO_SDK_REGENERATION, null);
    prPipelineId = await createPipeline(SDK_PULL_REQUEST, PR_WORKSPACE);
    schemaChangePipelineId = await createPipeline(SCHEMA_CHANGE_PIPELINE, null);
    await eventually(async () => service.app.get(MatcherService).matcher.index.size === 3, 'the matcher to index the pipelines');
  });

  afterAll(async () => {
    await service?.stop();
    await redis?.quit();
    await Promise.all([github?.stop(), specSink?.stop(), slack?.stop()]);
    await env?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function createPipeline(source: string, workspaceId: string | null): Promise<string> {
    const parsed = parsePipeline(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const p = await service.infra.store.createPipeline({ name: parsed.document.name, workspaceId, document: parsed.document, sourceText: source, sourceFormat: 'yaml' });
    await service.infra.notifier.notify(p.id, 'created');
    return p.id;
  }

  /** Publishes a schema.changed event as a producer would (raw XADD) and returns its id. */
  async function schemaChanged(payload: Record<string, unknown>, workspaceId = 'workspace-e2e'): Promise<string> {
    const id = `schema-${++eventSeq}`;
    const envelope = { id, type: 'schema.changed', workspace_id: workspaceId, payload: { schema_type: 'openapi', changes: [{ type: 'modified', endpoint: 'GET /pet/{petId}' }], ...payload } };
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify(envelope));
    return id;
  }

  async function finishedExecution(pipelineId: string, eventId: string) {
    const created = await eventually(async () => {
      const page = await service.infra.store.listExecutions({ pipelineId, limit: 100 });
      return page.items.find((e) => e.eventId === eventId);
    }, `the execution of ${eventId}`);
    return eventually(
      async () => {
        const e = await service.infra.store.getExecution(created.id);
        return e && ['succeeded', 'failed', 'cancelled'].includes(e.status) ? e : undefined;
      },
      `execution ${created.id} to finish`,
      90_000,
    );
  }

  const api = (path: string) => fetch(`${service.url}/api/v1/${path}`);

  it("runs the spec's pipeline: three SDKs, an artifact that unpacks to the three trees, files in the outputs", async () => {
    const ignored = await schemaChanged({ spec_path: 'apis/petstore.yaml', schema_type: 'protobuf' });
    const eventId = await schemaChanged({ spec_path: 'apis/petstore.yaml' });
    const execution = await finishedExecution(specPipelineId, eventId);

    expect(execution.status).toBe('succeeded');
    const [step] = execution.stepRuns;
    expect([step.stepName, step.status, step.attempts]).toEqual(['regenerate_sdk', 'succeeded', 1]);
    const outputs = step.outputs as { files: SdkFileOutput[]; files_truncated: boolean; artifact: { url: string; sha256: string; size: number }; summary: { title: string } };
    expect(outputs.files_truncated).toBe(false);
    expect(outputs.summary.title).toBe('Swagger Petstore');
    const listed = outputs.files.map((f) => f.path);
    for (const lang of ['typescript', 'python', 'rust']) expect(listed.some((p) => p.startsWith(`generated-sdks/${lang}/`))).toBe(true);

    // The filter let the protobuf change through to no pipeline (the events are read in order).
    const all = (await service.infra.store.listExecutions({ pipelineId: specPipelineId, limit: 100 })).items;
    expect(all.some((e) => e.eventId === ignored)).toBe(false);

    const list = await api(`executions/${execution.id}/artifacts`);
    expect(list.status).toBe(200);
    const body = (await list.json()) as { items: { name: string; size: number; sha256: string; created_at: string }[] };
    expect(body.items).toEqual([expect.objectContaining({ name: 'sdks', size: outputs.artifact.size, sha256: outputs.artifact.sha256, media_type: 'application/gzip' })]);

    const download = await fetch(`${service.url}${outputs.artifact.url}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/gzip');
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${execution.id}-sdks.tar.gz"`);
    const archive = Buffer.from(await download.arrayBuffer());
    expect(archive.length).toBe(outputs.artifact.size);
    const unpacked = await unpackTarGz(archive);
    expect(new Set(unpacked.map((f) => f.path.split('/')[0]))).toEqual(new Set(['typescript', 'python', 'rust']));
    expect(unpacked.map((f) => `generated-sdks/${f.path}`)).toEqual(listed);
    expect(unpacked.find((f) => f.path === 'typescript/src/client.ts')!.content.toString()).toBe(outputs.files.find((f) => f.path === 'generated-sdks/typescript/src/client.ts')!.content);
  });

  it('answers 404 in the API error shape for an unknown artifact or execution', async () => {
    const eventId = await schemaChanged({ spec_path: 'apis/petstore.yaml' });
    const execution = await finishedExecution(specPipelineId, eventId);
    const missing = await api(`executions/${execution.id}/artifacts/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 'NOT_FOUND', message: `artifact "nope" of execution ${execution.id} not found`, details: [] });
    const unknown = await api('executions/00000000-0000-4000-8000-000000000000/artifacts');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a spec_path escaping the spec root with "..": failed step, no retry, no artifact', async () => {
    const eventId = await schemaChanged({ spec_path: '../secret.yaml' });
    const execution = await finishedExecution(specPipelineId, eventId);
    expect(execution.status).toBe('failed');
    expect(execution.stepRuns[0]).toMatchObject({ status: 'failed', attempts: 1, errorCode: 'SPEC_PATH_ESCAPES' });
    expect(execution.stepRuns[0].error).toMatch(/outside the spec root/);
    expect(((await (await api(`executions/${execution.id}/artifacts`)).json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('downloads a spec_path URL from an allow-listed loopback server', async () => {
    specSink.reset();
    const eventId = await schemaChanged({ spec_path: `${specSink.url}/specs/petstore.yaml` });
    const execution = await finishedExecution(specPipelineId, eventId);
    expect(execution.status).toBe('succeeded');
    expect(specSink.requests.map((r) => r.pathname)).toEqual(['/specs/petstore.yaml']);
    expect((execution.stepRuns[0].outputs as { summary: { operations: number } }).summary.operations).toBe(20);
  });

  it('fails the step on an invalid spec with a message naming the place', async () => {
    const eventId = await schemaChanged({ spec_path: 'apis/broken.yaml' });
    const execution = await finishedExecution(specPipelineId, eventId);
    expect(execution.status).toBe('failed');
    expect(execution.stepRuns[0]).toMatchObject({ status: 'failed', attempts: 1, errorCode: 'SDK_SPEC_INVALID' });
    expect(execution.stepRuns[0].error).toMatch(/apis\/broken\.yaml.*\$ref "#\/components\/schemas\/Missing" not found/);
  });

  it('regenerate_sdk → create_pr commits every generated file in one commit of one pull request', async () => {
    const eventId = await schemaChanged({ spec_path: 'apis/petstore.yaml' }, PR_WORKSPACE);
    const execution = await finishedExecution(prPipelineId, eventId);
    expect(execution.stepRuns.map((s) => [s.stepName, s.status])).toEqual([
      ['regenerate_sdk', 'succeeded'],
      ['create_pr', 'succeeded'],
    ]);
    expect(execution.status).toBe('succeeded');
    const generated = (execution.stepRuns[0].outputs as { files: SdkFileOutput[] }).files;

    const pulls = github.listPulls('org', 'repo');
    expect(pulls).toHaveLength(1);
    const [pr] = pulls;
    expect(pr.title).toBe('Regenerate SDKs for apis/petstore.yaml');
    expect(pr.body).toBe('20 operations, 17 files');
    expect(pr.base).toBe('main');
    expect(pr.commits).toHaveLength(1);
    const onBranch = github.readBranchFiles('org', 'repo', pr.head)!;
    expect(Object.keys(onBranch).sort()).toEqual(['README.md', ...generated.map((f) => f.path)].sort());
    for (const f of generated) expect(onBranch[f.path]).toBe(f.content);
    expect((execution.stepRuns[1].outputs as { pr_url: string }).pr_url).toBe(pr.url);
    expect(github.violations).toEqual([]);
  });

  it("runs the spec's opening example: the event's spec_path, then the Slack message", async () => {
    const eventId = await schemaChanged({ spec_path: 'apis/petstore.yaml' }, 'workspace-123');
    const execution = await finishedExecution(schemaChangePipelineId, eventId);
    expect(execution.stepRuns.map((s) => [s.stepName, s.status])).toEqual([
      ['regenerate-sdks', 'succeeded'],
      ['notify-teams', 'succeeded'],
    ]);
    const outputs = execution.stepRuns[0].outputs as { workspace_id: string; output_dir: string; spec_source: string; files: SdkFileOutput[] };
    expect(outputs).toMatchObject({ workspace_id: 'workspace-123', output_dir: 'generated-sdks', spec_source: 'apis/petstore.yaml' });
    expect(outputs.files.length).toBe(17);
    const posts = await slack.waitFor(2);
    expect(posts.map((p) => (p.json as { channel: string; text: string }).text)).toEqual(['SDKs regenerated for workspace-123', 'SDKs regenerated for workspace-123']);
  });
});
