import { StoreError } from './store-error';
import { newPipeline, openTestDb, pipelineDocument, type TestDb } from '../test/store-test-db';

describe('PipelineStore (real Postgres, own schema)', () => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('creates a pipeline with revision 1 holding the document and the original source', async () => {
    const input = newPipeline('auto-promote-to-test');
    const created = await db.store.createPipeline(input);

    expect(created).toMatchObject({
      name: 'auto-promote-to-test',
      workspaceId: 'workspace-123',
      enabled: true,
      currentRevision: 1,
      currentRevisionId: created.revision.id,
      deletedAt: null,
      revision: { pipelineId: created.id, revision: 1, document: input.document, sourceText: input.sourceText, sourceFormat: 'yaml' },
    });
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);
    expect(await db.store.getPipeline(created.id)).toEqual(created);
  });

  it('refuses a second live pipeline of the same name in the same workspace, also with no workspace', async () => {
    await db.store.createPipeline(newPipeline('dup-name'));
    await expect(db.store.createPipeline(newPipeline('dup-name'))).rejects.toMatchObject({ code: 'CONFLICT' });

    // Another workspace is another scope.
    await expect(db.store.createPipeline(newPipeline('dup-name', { workspaceId: 'workspace-456' }))).resolves.toMatchObject({
      name: 'dup-name',
    });

    await db.store.createPipeline(newPipeline('global-name', { workspaceId: null }));
    const again = db.store.createPipeline(newPipeline('global-name', { workspaceId: null }));
    await expect(again).rejects.toBeInstanceOf(StoreError);
    await expect(again).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('frees the name of a deleted pipeline, hides it from reads, and keeps its revisions readable', async () => {
    const first = await db.store.createPipeline(newPipeline('reused-name'));
    await db.store.deletePipeline(first.id);

    expect(await db.store.getPipeline(first.id)).toBeNull();
    expect(await db.store.getIndexedPipeline(first.id)).toBeNull();
    expect(await db.store.getRevision(first.currentRevisionId)).toMatchObject({ pipelineId: first.id, revision: 1 });
    await expect(db.store.deletePipeline(first.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const second = await db.store.createPipeline(newPipeline('reused-name'));
    expect(second.id).not.toBe(first.id);
  });

  it('adds revisions: current revision bumps, old revisions stay as they were', async () => {
    const p = await db.store.createPipeline(newPipeline('revised'));
    const doc2 = pipelineDocument('revised', ['promote', 'notify']);
    const v2 = await db.store.addRevision(p.id, { document: doc2, sourceText: '{"name":"revised"}', sourceFormat: 'json' });

    expect(v2).toMatchObject({ id: p.id, currentRevision: 2, currentRevisionId: v2.revision.id, revision: { revision: 2, document: doc2 } });
    expect(v2.revision.id).not.toBe(p.revision.id);
    expect(await db.store.getRevision(p.revision.id)).toEqual(p.revision);

    const v3 = await db.store.addRevision(p.id, { document: doc2, sourceText: 'name: renamed', sourceFormat: 'yaml', name: 'renamed' });
    expect(v3).toMatchObject({ name: 'renamed', currentRevision: 3 });

    const revisions = await db.store.listRevisions(p.id);
    expect(revisions.map((r) => [r.revision, r.sourceFormat])).toEqual([
      [1, 'yaml'],
      [2, 'json'],
      [3, 'yaml'],
    ]);
  });

  it('refuses a rename onto a taken name and leaves the pipeline unchanged', async () => {
    await db.store.createPipeline(newPipeline('taken'));
    const p = await db.store.createPipeline(newPipeline('movable'));
    await expect(
      db.store.addRevision(p.id, { document: p.revision.document, sourceText: 'x', sourceFormat: 'yaml', name: 'taken' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await db.store.listRevisions(p.id)).toHaveLength(1);
    expect(await db.store.getPipeline(p.id)).toMatchObject({ name: 'movable', currentRevision: 1 });
  });

  it('gives numbered revisions without gaps or clashes under concurrent saves', async () => {
    const p = await db.store.createPipeline(newPipeline('busy'));
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        db.store.addRevision(p.id, { document: p.revision.document, sourceText: `v${i}`, sourceFormat: 'yaml' }),
      ),
    );
    expect((await db.store.listRevisions(p.id)).map((r) => r.revision)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await db.store.getPipeline(p.id)).toMatchObject({ currentRevision: 6 });
  });

  it('answers NOT_FOUND / null for unknown or malformed ids', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await db.store.getPipeline(unknown)).toBeNull();
    expect(await db.store.getPipeline('not-a-uuid')).toBeNull();
    expect(await db.store.getRevision('nope')).toBeNull();
    await expect(db.store.setPipelineEnabled(unknown, false)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(db.store.addRevision('nope', { document: pipelineDocument('x'), sourceText: '', sourceFormat: 'yaml' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(db.store.listRevisions(unknown)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rejects invalid input with INVALID', async () => {
    await expect(db.store.createPipeline(newPipeline(' '))).rejects.toMatchObject({ code: 'INVALID' });
    await expect(db.store.createPipeline(newPipeline('fmt', { sourceFormat: 'toml' as 'yaml' }))).rejects.toMatchObject({ code: 'INVALID' });
    await expect(db.store.listPipelines({ limit: 0 })).rejects.toMatchObject({ code: 'INVALID' });
    await expect(db.store.listPipelines({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'INVALID' });
  });
});

describe('PipelineStore listing and the matcher index (real Postgres, own schema)', () => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('pages through pipelines newest first with an opaque cursor, filters by workspace and enabled', async () => {
    const names: string[] = [];
    for (let i = 0; i < 7; i++) {
      const name = `p-${i}`;
      names.push(name);
      await db.store.createPipeline(newPipeline(name, { workspaceId: i % 2 ? 'ws-odd' : 'ws-even', enabled: i !== 4 }));
    }
    await db.store.createPipeline(newPipeline('unowned', { workspaceId: null }));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await db.store.listPipelines({ limit: 3, cursor, workspaceIds: ['ws-odd', 'ws-even'] });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((p) => p.name));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].reverse());

    const odd = await db.store.listPipelines({ workspaceId: 'ws-odd' });
    expect(odd.items.map((p) => p.name)).toEqual(['p-5', 'p-3', 'p-1']);
    expect(odd.nextCursor).toBeNull();

    const unowned = await db.store.listPipelines({ workspaceId: null });
    expect(unowned.items.map((p) => p.name)).toEqual(['unowned']);

    const disabled = await db.store.listPipelines({ enabled: false });
    expect(disabled.items.map((p) => p.name)).toEqual(['p-4']);
  });

  it('keeps a page boundary stable for pipelines created in the same transaction instant', async () => {
    // Same created_at for all rows: the id tie-breaker must carry the page boundary.
    await db.ds.query(`UPDATE "${db.schema}"."pipelines" SET created_at = '2024-01-01T00:00:00.123456Z' WHERE workspace_id = 'ws-odd'`);
    const first = await db.store.listPipelines({ workspaceId: 'ws-odd', limit: 2 });
    const rest = await db.store.listPipelines({ workspaceId: 'ws-odd', limit: 2, cursor: first.nextCursor });
    const all = [...first.items, ...rest.items].map((p) => p.name).sort();
    expect(all).toEqual(['p-1', 'p-3', 'p-5']);
    expect(rest.nextCursor).toBeNull();
  });

  it('indexes only enabled, live pipelines at their current revision', async () => {
    const p = await db.store.createPipeline(newPipeline('indexed', { workspaceId: 'ws-index' }));
    const v2 = await db.store.addRevision(p.id, { document: pipelineDocument('indexed', ['a', 'b']), sourceText: 'v2', sourceFormat: 'yaml' });

    const indexed = await db.store.getIndexedPipeline(p.id);
    expect(indexed).toEqual({ id: p.id, name: 'indexed', workspaceId: 'ws-index', revisionId: v2.revision.id, document: v2.revision.document });
    expect((await db.store.loadEnabledPipelines()).find((x) => x.id === p.id)).toEqual(indexed);
    expect((await db.store.loadEnabledPipelines()).some((x) => x.name === 'p-4')).toBe(false);

    const disabled = await db.store.setPipelineEnabled(p.id, false);
    expect(disabled.enabled).toBe(false);
    expect(await db.store.getIndexedPipeline(p.id)).toBeNull();
    expect((await db.store.loadEnabledPipelines()).some((x) => x.id === p.id)).toBe(false);

    await db.store.setPipelineEnabled(p.id, true);
    expect(await db.store.getIndexedPipeline(p.id)).toMatchObject({ revisionId: v2.revision.id });
  });
});
