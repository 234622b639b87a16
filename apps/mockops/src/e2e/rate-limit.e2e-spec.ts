import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { startService, type RunningService } from '@mockops/runtime';
import { createTestEnv, type TestEnv } from '@mockops/testing';

// The promotions and artifacts routes (owned by their step types' features) get the same rate limit
// as every other route of the API (the throttler counts per route and caller, as @nestjs/throttler does).
describe('one rate limit across the API', () => {
  let env: TestEnv;
  let service: RunningService;

  beforeAll(async () => {
    env = await createTestEnv();
    service = await startService(
      { name: 'rate-limit', gateway: { rateLimit: { limit: 4, windowMs: 60_000 }, webUi: false } },
      { config: env.config },
    );
  });

  afterAll(async () => {
    await service?.stop();
    await env?.cleanup();
  });

  it.each([
    ['promotions', '/api/v1/promotions', 200],
    ['environments', '/api/v1/workspaces/ws-1/environments', 200],
    ['artifacts', '/api/v1/executions/00000000-0000-0000-0000-000000000000/artifacts', 404],
  ])('limits the %s route like the gateway routes', async (_name, path, status) => {
    const http = (service.app as INestApplication).getHttpServer();
    for (let i = 0; i < 4; i++) await request(http).get(path).expect(status);
    const limited = await request(http).get(path).expect(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
  });
});
