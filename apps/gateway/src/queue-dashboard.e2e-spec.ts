import { STEP_TYPES } from '@mockops/pipeline-core';
import { queueNameFor } from '@mockops/worker-kit';
import { startService, type RunningService } from '@mockops/runtime';
import { createTestEnv, type TestEnv } from '@mockops/testing';

const ADMIN = 'admin-key-3f9c2e71';
const SCOPED = 'team-a-key-8d1b4a60';

// Bull Board on the gateway (the same wiring as `node dist/apps/gateway/main.js`): admin keys only.
describe('the queue dashboard at /admin/queues', () => {
  let env: TestEnv;
  let service: RunningService;
  let open: RunningService | undefined;
  let openEnv: TestEnv | undefined;

  beforeAll(async () => {
    env = await createTestEnv({ MOCKOPS_API_KEYS: `${ADMIN}:admin,${SCOPED}:ws=ws-a` });
    service = await startService({ name: 'gateway', gateway: true }, { config: env.config });
  });

  afterAll(async () => {
    await service?.stop();
    await open?.stop();
    await env?.cleanup();
    await openEnv?.cleanup();
  });

  const get = (base: string, path: string, key?: string) => fetch(`${base}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

  it('serves the board and its API to an admin key, with the step queues', async () => {
    const page = await get(service.url!, '/admin/queues', ADMIN);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const queues = await get(service.url!, '/admin/queues/api/queues', ADMIN);
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    // One queue per step type of the registry.
    expect(names).toEqual(STEP_TYPES.map(queueNameFor).sort());
    expect(names).toEqual(expect.arrayContaining(['step-auto-promote', 'step-create-pr', 'step-notify', 'step-regenerate-sdk']));
  });

  it('answers 403 to a scoped key and 401 without a key or with a wrong one, in the API error shape', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const scoped = await get(service.url!, path, SCOPED);
      expect({ path, status: scoped.status, code: ((await scoped.json()) as { code: string }).code }).toEqual({ path, status: 403, code: 'FORBIDDEN' });
      const none = await get(service.url!, path);
      expect({ path, status: none.status, code: ((await none.json()) as { code: string }).code }).toEqual({ path, status: 401, code: 'UNAUTHORIZED' });
      expect((await get(service.url!, path, 'not-a-key-at-all')).status).toBe(401);
    }
  });

  it('is open like the rest of the API when no keys are configured (loopback only)', async () => {
    openEnv = await createTestEnv();
    open = await startService({ name: 'gateway', gateway: true }, { config: openEnv.config });
    expect((await get(open.url!, '/admin/queues/api/queues')).status).toBe(200);
  });
});
