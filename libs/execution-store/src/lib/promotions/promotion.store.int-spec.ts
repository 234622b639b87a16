import { randomUUID } from 'node:crypto';
import { openTestDb, type TestDb } from '../../test/store-test-db';
import { PromotionStore } from './promotion.store';
import type { PromotionRequest, PublishedVersion } from './promotion.records';

describe('PromotionStore (real Postgres, own schema)', () => {
  let db: TestDb;
  let store: PromotionStore;
  let ws: string;

  beforeAll(async () => {
    db = await openTestDb();
    store = new PromotionStore(db.ds);
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(() => {
    // Every test works in its own workspace, so they share the schema without seeing each other.
    ws = `ws-${randomUUID().slice(0, 8)}`;
  });

  const published = (over: Partial<PublishedVersion> = {}): PublishedVersion => ({
    workspaceId: ws,
    entityType: 'scenario',
    entityId: 'sc-1',
    version: '3',
    eventId: `evt-${randomUUID()}`,
    occurredAt: new Date().toISOString(),
    ...over,
  });
  const request = (over: Partial<PromotionRequest> = {}): PromotionRequest => ({
    workspaceId: ws,
    entityType: 'scenario',
    entityId: 'sc-1',
    fromEnvironment: 'dev',
    toEnvironment: 'test',
    ...over,
  });
  const entityVersion = async (env: string, id = 'sc-1') =>
    (await store.getEnvironments(ws)).versions.find((v) => v.entityType === 'scenario' && v.entityId === id && v.environment === env) ?? null;
  const versionIn = async (env: string, id = 'sc-1') => (await entityVersion(env, id))?.version ?? null;

  it('leaves nothing for TypeORM to change in the promotion tables: entities and migration agree', async () => {
    const diff = await db.ds.driver.createSchemaBuilder().log();
    const ours = diff.upQueries.map((q) => q.query).filter((q) => /promotion|entity_versions/.test(q));
    expect(ours).toEqual([]);
  });

  it('records a published version in the first environment, once per event, never going back to an older one', async () => {
    const first = published({ version: '3', occurredAt: '2025-01-01T10:00:00.000Z' });
    expect(await store.recordPublished(first)).toEqual({ environment: 'dev', version: '3', changed: true });
    expect(await store.recordPublished(first)).toEqual({ environment: 'dev', version: '3', changed: false });
    await store.recordPublished(published({ version: '4', occurredAt: '2025-01-01T11:00:00.000Z' }));
    // A late redelivery of an older publish does not win.
    expect((await store.recordPublished(published({ version: '2', occurredAt: '2025-01-01T09:00:00.000Z' }))).changed).toBe(false);
    expect(await versionIn('dev')).toBe('4');
    // An event may name the environment.
    expect((await store.recordPublished(published({ entityId: 'sc-2', environment: 'test' }))).environment).toBe('test');
    await expect(store.recordPublished(published({ environment: 'staging' }))).rejects.toThrow('unknown environment "staging"');
  });

  it('promotes exactly the version the source holds, and a re-run of the same step returns the same promotion', async () => {
    await store.recordPublished(published({ version: '7' }));
    const executionId = randomUUID();
    const { promotion, created } = await store.requestPromotion(request({ executionId, stepName: 'auto_promote', comments: 'nightly' }));
    expect(created).toBe(true);
    expect(promotion).toMatchObject({ status: 'completed', version: '7', fromEnvironment: 'dev', toEnvironment: 'test', comments: 'nightly', executionId, stepName: 'auto_promote' });
    expect(promotion.completedAt).not.toBeNull();
    const target = await entityVersion('test');
    expect(target).toMatchObject({ version: '7', promotionId: promotion.id });

    await store.recordPublished(published({ version: '8' }));
    const again = await store.requestPromotion(request({ executionId, stepName: 'auto_promote' }));
    expect(again).toEqual({ promotion, created: false });
    expect(await versionIn('test')).toBe('7');
    expect((await store.listPromotions({ workspaceId: ws })).items).toHaveLength(1);
  });

  it('makes one promotion when two deliveries of the same step race', async () => {
    await store.recordPublished(published());
    const executionId = randomUUID();
    const results = await Promise.all([1, 2, 3].map(() => store.requestPromotion(request({ executionId, stepName: 'promote' }))));
    expect(new Set(results.map((r) => r.promotion.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('stores refused requests as failed with the reason, and evaluates a failed one again on re-run', async () => {
    const executionId = randomUUID();
    const missing = await store.requestPromotion(request({ executionId, stepName: 'p' }));
    expect(missing.promotion).toMatchObject({ status: 'failed', errorCode: 'PROMOTION_ENTITY_MISSING', version: null });
    expect(missing.promotion.error).toBe(`scenario sc-1 is not in environment "dev" of workspace ${ws}: nothing to promote`);

    await store.recordPublished(published({ version: '5' }));
    const retried = await store.requestPromotion(request({ executionId, stepName: 'p' }));
    expect(retried.promotion).toMatchObject({ id: missing.promotion.id, status: 'completed', version: '5', error: null });

    const skip = await store.requestPromotion(request({ toEnvironment: 'prod' }));
    expect(skip.promotion).toMatchObject({ status: 'failed', errorCode: 'PROMOTION_OUT_OF_ORDER' });
    expect(await versionIn('prod')).toBeNull();
    const allowed = await store.requestPromotion(request({ toEnvironment: 'prod', allowSkip: true }));
    expect(allowed.promotion.status).toBe('completed');
    expect(await versionIn('prod')).toBe('5');

    const wrongVersion = await store.requestPromotion(request({ version: '4' }));
    expect(wrongVersion.promotion).toMatchObject({ status: 'failed', errorCode: 'PROMOTION_VERSION_MISMATCH' });
  });

  it('keeps an approval-gated promotion pending until approved, then applies it; deciding twice changes nothing', async () => {
    await store.recordPublished(published({ version: '9' }));
    const { promotion } = await store.requestPromotion(request({ requireApproval: true, executionId: randomUUID(), stepName: 'p' }));
    expect(promotion).toMatchObject({ status: 'pending', version: '9', requireApproval: true });
    expect(await versionIn('test')).toBeNull();

    const approved = await store.approve(promotion.id, { decidedBy: 'alice', comments: 'ship it' });
    expect(approved.changed).toBe(true);
    expect(approved.promotion).toMatchObject({ status: 'completed', decidedBy: 'alice', decisionComments: 'ship it' });
    expect(await versionIn('test')).toBe('9');

    const twice = await store.approve(promotion.id, { decidedBy: 'bob' });
    expect(twice.changed).toBe(false);
    expect(twice.promotion.decidedBy).toBe('alice');
    expect((await store.reject(promotion.id)).changed).toBe(false);
  });

  it('rejects a pending promotion without touching the target, and fails an approval when the source moved on', async () => {
    await store.recordPublished(published({ version: '1', occurredAt: '2025-01-01T00:00:00.000Z' }));
    const a = await store.requestPromotion(request({ requireApproval: true }));
    const rejected = await store.reject(a.promotion.id, { decidedBy: 'carol', comments: 'not yet' });
    expect(rejected.promotion).toMatchObject({ status: 'rejected', decidedBy: 'carol', decisionComments: 'not yet' });
    expect(await versionIn('test')).toBeNull();

    const b = await store.requestPromotion(request({ requireApproval: true }));
    await store.recordPublished(published({ version: '2', occurredAt: '2025-01-02T00:00:00.000Z' }));
    const approved = await store.approve(b.promotion.id);
    expect(approved.promotion).toMatchObject({ status: 'failed', errorCode: 'PROMOTION_VERSION_MISMATCH' });
    expect(approved.promotion.error).toMatch(/now holds version 2 .* was for version 1/);
    expect(await versionIn('test')).toBeNull();
    await expect(store.approve(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('uses a workspace order once set, and shows what version of what is where', async () => {
    expect(await store.environmentOrder(ws)).toEqual({ environments: ['dev', 'test', 'prod'], configured: false });
    await store.setEnvironmentOrder(ws, ['dev', 'staging', 'prod']);
    await store.recordPublished(published({ version: '2' }));
    expect((await store.requestPromotion(request())).promotion.errorCode).toBe('PROMOTION_UNKNOWN_ENVIRONMENT');
    expect((await store.requestPromotion(request({ toEnvironment: 'staging' }))).promotion.status).toBe('completed');
    await store.recordPublished(published({ entityType: 'persona', entityId: 'p-1', version: '1' }));

    const view = await store.getEnvironments(ws);
    expect(view.environments).toEqual(['dev', 'staging', 'prod']);
    expect(view.configured).toBe(true);
    expect(view.versions.map((v) => [v.environment, v.entityType, v.entityId, v.version])).toEqual([
      ['dev', 'persona', 'p-1', '1'],
      ['dev', 'scenario', 'sc-1', '2'],
      ['staging', 'scenario', 'sc-1', '2'],
    ]);
    await expect(store.setEnvironmentOrder(ws, ['dev'])).rejects.toThrow('at least two');
  });

  it('lists promotions newest first with a cursor, filtered by status', async () => {
    await store.recordPublished(published());
    for (let i = 0; i < 3; i++) await store.requestPromotion(request({ requireApproval: true }));
    await store.requestPromotion(request({ toEnvironment: 'prod' }));
    const first = await store.listPromotions({ workspaceId: ws, status: 'pending', limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await store.listPromotions({ workspaceId: ws, status: 'pending', limit: 2, cursor: first.nextCursor! });
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items].map((p) => p.id);
    expect(new Set(ids).size).toBe(3);
    expect((await store.listPromotions({ workspaceId: ws, status: 'failed' })).items).toHaveLength(1);
    await expect(store.listPromotions({ status: 'bogus' as never })).rejects.toMatchObject({ code: 'INVALID' });
  });
});
