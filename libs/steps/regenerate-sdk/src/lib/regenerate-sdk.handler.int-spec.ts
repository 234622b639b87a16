import { mkdtemp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parsePipeline } from '@mockops/pipeline-core';
import { ArtifactStore, createDataSource, openStore, runMigrations, type Store } from '@mockops/execution-store';
import { startHttpSink, TEST_DATABASE_URL, type HttpSink } from '@mockops/testing';
import { StepError } from '@mockops/worker-kit';
import type { DataSource } from 'typeorm';
import { createRegenerateSdkHandler, type RegenerateSdkHandlerOptions, type SdkFileOutput } from './regenerate-sdk.handler';
import { unpackTarGz } from './sdk-archive';
import { buildStepRunContext, schemaChangedEvent } from './testing/step-run-context.builder';

const PETSTORE = join(__dirname, '../../../../../node_modules/@readme/oas-examples/3.0/yaml/petstore.yaml');
const LANGUAGES = ['typescript', 'rust', 'python'];
// The step config of the spec's "Auto-Regenerate SDKs on Schema Changes", as rendered for an event.
const specStep = (specPath: string) => ({ spec_path: specPath, languages: LANGUAGES, output_dir: './generated-sdks' });

describe('regenerate_sdk handler (real Postgres artifacts, files on disk, HTTP spec source)', () => {
  let ds: DataSource;
  let schema: string;
  let executions: Store;
  let artifacts: ArtifactStore;
  let work: string;
  let specRoot: string;
  let artifactsDir: string;
  let sink: HttpSink;
  let petstoreText: string;

  beforeAll(async () => {
    schema = `rsdk_${randomBytes(5).toString('hex')}`;
    ds = createDataSource({ url: TEST_DATABASE_URL, schema, poolSize: 3 });
    await ds.initialize();
    await runMigrations(ds);
    executions = openStore(ds);
    artifacts = new ArtifactStore(ds);
    work = await mkdtemp(join(tmpdir(), 'rsdk-'));
    specRoot = join(work, 'specs');
    artifactsDir = join(work, 'artifacts');
    petstoreText = await readFile(PETSTORE, 'utf8');
    await mkdir(join(specRoot, 'protos/common'), { recursive: true });
    await writeFile(join(specRoot, 'petstore.yaml'), petstoreText);
    await writeFile(join(specRoot, 'broken.yaml'), petstoreText.replace("'$ref': '#/components/schemas/Pet'", "'$ref': '#/components/schemas/Nope'"));
    await writeFile(join(work, 'outside.yaml'), petstoreText);
    await symlink(join(work, 'outside.yaml'), join(specRoot, 'link.yaml'));
    await writeFile(
      join(specRoot, 'protos/common/money.proto'),
      'syntax = "proto3";\npackage common;\nmessage Money { string currency = 1; int64 units = 2; }\n',
    );
    await writeFile(
      join(specRoot, 'protos/shop.proto'),
      'syntax = "proto3";\npackage shop;\nimport "common/money.proto";\n' +
        'message Item { string id = 1; common.Money price = 2; }\nmessage GetItemRequest { string id = 1; }\n' +
        'service Shop { rpc GetItem(GetItemRequest) returns (Item); }\n',
    );
    sink = await startHttpSink({ respond: (req) => (req.pathname === '/specs/petstore.yaml' ? { status: 200, body: petstoreText, headers: { 'content-type': 'application/yaml' } } : 404) });
  });

  afterAll(async () => {
    await sink?.stop();
    await ds?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await ds?.destroy();
    await rm(work, { recursive: true, force: true });
  });

  async function newExecutionId(): Promise<string> {
    const source = `name: p-${randomBytes(4).toString('hex')}\ndefinition:\n  triggers:\n    - event: schema.changed\n  steps:\n    - name: regenerate_sdk\n      step_type: regenerate_sdk\n      config:\n        languages: ["rust"]\n`;
    const parsed = parsePipeline(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const p = await executions.createPipeline({ name: parsed.document.name, workspaceId: null, document: parsed.document, sourceText: source, sourceFormat: 'yaml' });
    const [{ execution }] = await executions.createExecutions([
      { pipelineId: p.id, revisionId: p.currentRevisionId, workspaceId: null, event: schemaChangedEvent(), steps: [{ name: 'regenerate_sdk', stepType: 'regenerate_sdk', maxAttempts: 3 }] },
    ]);
    return execution.id;
  }

  const handler = (extra: Partial<RegenerateSdkHandlerOptions> = {}) =>
    createRegenerateSdkHandler({ specRoot, artifactsDir, artifacts, egressAllow: '127.0.0.1', ...extra });

  async function fails(run: Promise<unknown>): Promise<StepError> {
    try {
      await run;
    } catch (e) {
      expect(e).toBeInstanceOf(StepError);
      return e as StepError;
    }
    throw new Error('expected the step to fail');
  }

  it('generates three SDKs from a spec file: files on disk, a tar.gz artifact, files for create_pr', async () => {
    const executionId = await newExecutionId();
    const ctx = buildStepRunContext(specStep('petstore.yaml'), { executionId });
    const { outputs } = await handler().run(ctx);

    const files = outputs.files as SdkFileOutput[];
    expect(outputs.files_truncated).toBe(false);
    expect(outputs.output_dir).toBe('generated-sdks');
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['generated-sdks/typescript/src/client.ts', 'generated-sdks/python/pyproject.toml', 'generated-sdks/rust/Cargo.toml']));
    expect(new Set(files.map((f) => f.path.split('/')[1]))).toEqual(new Set(['typescript', 'python', 'rust']));
    expect(outputs.summary).toMatchObject({ title: 'Swagger Petstore', operations: 20, languages: { typescript: { status: 'ok' }, python: { status: 'ok' }, rust: { status: 'ok' } } });

    const stored = await artifacts.get(executionId, 'sdks');
    expect(stored).toMatchObject({ stepName: 'regenerate_sdk', mediaType: 'application/gzip' });
    expect(outputs.artifact).toEqual({
      name: 'sdks',
      media_type: 'application/gzip',
      size: stored!.size,
      sha256: stored!.sha256,
      url: `/api/v1/executions/${executionId}/artifacts/sdks`,
    });
    const unpacked = await unpackTarGz(stored!.content);
    expect(unpacked.map((f) => `generated-sdks/${f.path}`)).toEqual(files.map((f) => f.path));
    const client = files.find((f) => f.path === 'generated-sdks/typescript/src/client.ts')!;
    expect(unpacked.find((f) => f.path === 'typescript/src/client.ts')!.content.toString()).toBe(client.content);

    const onDisk = join(artifactsDir, executionId, 'regenerate_sdk', 'generated-sdks');
    expect(outputs.local_dir).toBe(onDisk);
    expect((await readdir(onDisk)).sort()).toEqual(['python', 'rust', 'typescript']);
    expect(await readFile(join(onDisk, 'typescript/src/client.ts'), 'utf8')).toBe(client.content);
    expect(ctx.logs.join('\n')).toContain('spec from petstore.yaml');
  });

  it('a re-run of the same execution replaces the artifact with a byte-identical one', async () => {
    const executionId = await newExecutionId();
    const first = await handler().run(buildStepRunContext(specStep('petstore.yaml'), { executionId }));
    const again = await handler().run(buildStepRunContext(specStep('petstore.yaml'), { executionId, attempt: 2 }));
    expect((again.outputs.artifact as { sha256: string }).sha256).toBe((first.outputs.artifact as { sha256: string }).sha256);
    expect(await artifacts.list(executionId)).toHaveLength(1);
  });

  it('uses the event payload spec_path when the step has none', async () => {
    const executionId = await newExecutionId();
    const event = schemaChangedEvent({ spec_path: 'petstore.yaml' });
    const { outputs } = await handler().run(buildStepRunContext({ languages: ['python'], workspace_id: 'workspace-123' }, { executionId, event }));
    expect((outputs.files as SdkFileOutput[]).every((f) => f.path.startsWith('generated-sdks/python/'))).toBe(true);
    expect(outputs.workspace_id).toBe('workspace-123');
  });

  it('refuses spec paths that leave the spec root: "..", absolute, symlink', async () => {
    for (const path of ['../outside.yaml', 'protos/../../outside.yaml', join(work, 'outside.yaml'), 'link.yaml']) {
      const err = await fails(handler().run(buildStepRunContext(specStep(path))));
      expect(err).toMatchObject({ code: 'SPEC_PATH_ESCAPES', retryable: false });
      expect(err.message).toMatch(/outside the spec root/);
    }
    const missing = await fails(handler().run(buildStepRunContext(specStep('nope.yaml'))));
    expect(missing).toMatchObject({ code: 'SPEC_NOT_FOUND', retryable: false });
  });

  it('downloads a spec URL through the egress guard (allow-listed loopback sink)', async () => {
    sink.reset();
    const executionId = await newExecutionId();
    const { outputs } = await handler().run(buildStepRunContext(specStep(`${sink.url}/specs/petstore.yaml`), { executionId }));
    expect(sink.requests.map((r) => [r.method, r.pathname])).toEqual([['GET', '/specs/petstore.yaml']]);
    expect(outputs.summary).toMatchObject({ title: 'Swagger Petstore' });
    expect(outputs.spec_source).toBe(`${sink.url}/specs/***`);
  });

  it('refuses a private spec URL that is not allow-listed, and a missing one, without retrying', async () => {
    const denied = await fails(handler({ egressAllow: '' }).run(buildStepRunContext(specStep(`${sink.url}/specs/petstore.yaml`))));
    expect(denied).toMatchObject({ code: 'EGRESS_DENIED', retryable: false });
    expect(denied.message).toContain('127.0.0.1');
    const missing = await fails(handler().run(buildStepRunContext(specStep(`${sink.url}/specs/gone.yaml`))));
    expect(missing).toMatchObject({ code: 'SPEC_FETCH_FAILED', retryable: false });
    expect(missing.message).toMatch(/answered 404/);
  });

  it('retries when the spec server is unavailable', async () => {
    sink.respondWith([{ status: 503, headers: { 'retry-after': '7' } }]);
    const err = await fails(handler().run(buildStepRunContext(specStep(`${sink.url}/specs/petstore.yaml`))));
    expect(err).toMatchObject({ code: 'SPEC_FETCH_FAILED', retryable: true, retryAfterMs: 7000 });
  });

  it('fails permanently on an invalid spec with the place the generator names; stores nothing', async () => {
    const executionId = await newExecutionId();
    const err = await fails(handler().run(buildStepRunContext(specStep('broken.yaml'), { executionId })));
    expect(err).toMatchObject({ code: 'SDK_SPEC_INVALID', retryable: false });
    expect(err.message).toMatch(/invalid spec \(broken\.yaml\): .*\$ref "#\/components\/schemas\/Nope" not found/);
    expect(await artifacts.list(executionId)).toEqual([]);
  });

  it('reads .proto imports from the spec root', async () => {
    const executionId = await newExecutionId();
    const { outputs } = await handler().run(buildStepRunContext({ spec_path: 'protos/shop.proto', languages: ['typescript'], output_dir: 'sdk' }, { executionId }));
    const models = (outputs.files as SdkFileOutput[]).find((f) => f.path === 'sdk/typescript/src/models.ts');
    expect(models?.content).toMatch(/Money/);
    expect(outputs.summary).toMatchObject({ operations: 1 });
  });

  it('lists at most the configured files and says so; the artifact keeps them all', async () => {
    const executionId = await newExecutionId();
    const { outputs } = await handler({ filesOutputLimits: { maxFiles: 4, maxBytes: 10_000_000 } }).run(buildStepRunContext(specStep('petstore.yaml'), { executionId }));
    expect(outputs.files).toHaveLength(4);
    expect(outputs.files_truncated).toBe(true);
    expect(outputs.file_count).toBe(17);
    expect(await unpackTarGz((await artifacts.get(executionId, 'sdks'))!.content)).toHaveLength(17);
  });
});
