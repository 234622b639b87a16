import { createHash, randomUUID } from 'node:crypto';
import { ArtifactStore } from './artifact.store';
import { StoreError } from './store-error';
import { eventEnvelope, matchFor, newPipeline, openTestDb, type TestDb } from '../test/store-test-db';

describe('ArtifactStore (real Postgres, own schema)', () => {
  let db: TestDb;
  let artifacts: ArtifactStore;

  beforeAll(async () => {
    db = await openTestDb();
    artifacts = new ArtifactStore(db.ds);
  });
  afterAll(async () => {
    await db?.close();
  });

  async function newExecutionId(): Promise<string> {
    const pipeline = await db.store.createPipeline(newPipeline(`p-${randomUUID().slice(0, 8)}`));
    const [{ execution }] = await db.store.createExecutions([matchFor(pipeline, eventEnvelope(), ['sdk'])]);
    return execution.id;
  }

  const bytes = (text: string) => Buffer.from(text, 'utf8');

  it('creates the artifacts table in the data source schema, agreeing with its entity', async () => {
    const [row] = await db.ds.query(`SELECT to_regclass($1) AS oid`, [`"${db.schema}"."artifacts"`]);
    expect(row.oid).not.toBeNull();
    const diff = await db.ds.driver.createSchemaBuilder().log();
    expect(diff.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('stores bytes exactly, with size and sha256, and lists metadata without content', async () => {
    const executionId = await newExecutionId();
    const content = Buffer.from([0x1f, 0x8b, 0x00, 0xff, 0x10, 0x00, 0x7f]);
    const saved = await artifacts.put({ executionId, stepName: 'regenerate_sdk', name: 'sdks', mediaType: 'application/gzip', content });
    expect(saved).toMatchObject({
      executionId,
      stepName: 'regenerate_sdk',
      name: 'sdks',
      mediaType: 'application/gzip',
      size: 7,
      sha256: createHash('sha256').update(content).digest('hex'),
    });
    const got = await artifacts.get(executionId, 'sdks');
    expect(Buffer.compare(got!.content, content)).toBe(0);
    const list = await artifacts.list(executionId);
    expect(list).toEqual([saved]);
    expect(list[0]).not.toHaveProperty('content');
  });

  it('keeps one artifact per (execution, name): a second put replaces the first', async () => {
    const executionId = await newExecutionId();
    await artifacts.put({ executionId, stepName: 's', name: 'sdks', mediaType: 'application/gzip', content: bytes('first') });
    const second = await artifacts.put({ executionId, stepName: 's', name: 'sdks', mediaType: 'application/gzip', content: bytes('second!') });
    await artifacts.put({ executionId, stepName: 's', name: 'report.json', mediaType: 'application/json', content: bytes('{}') });
    expect((await artifacts.list(executionId)).map((a) => [a.name, a.size])).toEqual([
      ['report.json', 2],
      ['sdks', 7],
    ]);
    expect((await artifacts.get(executionId, 'sdks'))!.content.toString()).toBe('second!');
    expect((await artifacts.head(executionId, 'sdks'))!.sha256).toBe(second.sha256);
  });

  it('answers null / empty for unknown executions and names, NOT_FOUND when storing for one', async () => {
    expect(await artifacts.get(randomUUID(), 'sdks')).toBeNull();
    expect(await artifacts.get('not-a-uuid', 'sdks')).toBeNull();
    expect(await artifacts.list(randomUUID())).toEqual([]);
    await expect(artifacts.put({ executionId: randomUUID(), stepName: 's', name: 'sdks', mediaType: 'x', content: bytes('x') })).rejects.toMatchObject({
      name: 'StoreError',
      code: 'NOT_FOUND',
    });
  });

  it('refuses names that cannot be used in a URL or file name', async () => {
    const executionId = await newExecutionId();
    for (const name of ['../x', 'a/b', '', '.hidden']) {
      await expect(artifacts.put({ executionId, stepName: 's', name, mediaType: 'x', content: bytes('x') })).rejects.toBeInstanceOf(StoreError);
    }
  });

  it('is removed with its execution', async () => {
    const executionId = await newExecutionId();
    await artifacts.put({ executionId, stepName: 's', name: 'sdks', mediaType: 'application/gzip', content: bytes('x') });
    await db.ds.query(`DELETE FROM "${db.schema}"."executions" WHERE id = $1`, [executionId]);
    expect(await artifacts.list(executionId)).toEqual([]);
  });
});
