import { parsePipeline } from '@mockops/pipeline-core';
import { startService, type RunningService } from '@mockops/runtime';
import { TEST_DATABASE_URL, createTestEnv, eventually, startHttpSink, startTcpProxy, type HttpSink, type TcpProxy, type TestEnv } from '@mockops/testing';
import { Client } from 'pg';

// No step stays `running` past its lease and its retries. A real fault: the worker's connection to
// Postgres is cut right after the step's side effect, so it cannot record the outcome; on its last
// attempt BullMQ gives the job up while the step run still says `running`. Once Postgres is reachable
// again, the reconciler finds the run (lease long expired, job failed) and fails it for good — without
// running the side effect again.
describe('a step abandoned by its worker is settled by the reconciler', () => {
  let env: TestEnv;
  let proxy: TcpProxy;
  let sink: HttpSink;
  let service: RunningService;

  beforeAll(async () => {
    const pg = new URL(TEST_DATABASE_URL);
    proxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
    sink = await startHttpSink();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    env = await createTestEnv({ DATABASE_URL: viaProxy.toString(), MOCKOPS_STEP_LEASE_MS: '1500' });
    service = await startService({ name: 'abandoned', matcher: true, handlers: ['notify'] }, { config: env.config });
  }, 60_000);

  afterAll(async () => {
    proxy?.restore();
    await service?.stop();
    await Promise.all([sink?.stop(), proxy?.stop()]);
    await env?.cleanup();
  });

  it('fails the run once its job is gone, and sends nothing twice', async () => {
    const source = `name: cut
definition:
  triggers:
    - event: custom.cut
  steps:
    - name: hook
      step_type: notify
      retries: { max_attempts: 1 }
      config:
        type: webhook
        webhook_url: "${sink.url}/cut"
        message: "m"
`;
    const parsed = parsePipeline(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const pipeline = await service.infra.store.createPipeline({ name: 'cut', workspaceId: null, document: parsed.document, sourceText: source, sourceFormat: 'yaml' });
    await service.infra.notifier.notify(pipeline.id, 'created');
    // The webhook arrives, then the network to Postgres fails before the worker records the outcome.
    sink.respondWith(() => {
      proxy.cut();
      return { status: 200, body: 'ok' };
    });
    await service.infra.publisher.publish('custom.cut', {}, { id: 'cut-1' });
    await sink.waitFor(1, 20_000);
    // The job is given up while Postgres is away (its one attempt failed); then the network heals.
    await new Promise((r) => setTimeout(r, 2_000));
    sink.respondWith([]);
    proxy.restore();

    const direct = new Client({ connectionString: TEST_DATABASE_URL });
    await direct.connect();
    try {
      const row = await eventually(async () => {
        const { rows } = await direct.query(
          `SELECT e.status AS execution_status, s.status, s.error_code, s.attempts FROM "${env.schema}".executions e
           JOIN "${env.schema}".step_runs s ON s.execution_id = e.id WHERE e.pipeline_id = $1`,
          [pipeline.id],
        );
        return rows[0]?.execution_status === 'failed' ? rows[0] : undefined;
      }, 'the abandoned step to be settled', 45_000);
      expect(row).toMatchObject({ status: 'failed', error_code: 'STEP_ABANDONED', attempts: 1 });
    } finally {
      await direct.end();
    }
    expect(sink.requests).toHaveLength(1);
  });
});
