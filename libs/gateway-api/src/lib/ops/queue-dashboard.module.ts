import type { DynamicModule } from '@nestjs/common';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import type { NextFunction, Request, Response } from 'express';
import type { ApiKeyEntry } from '@mockops/config';
import { ApiKeyRegistry } from '../auth/api-keys';
import { presentedKey } from '../auth/api-key.guard';
import { sendGatewayError } from '../errors/api-error.filter';
import { GatewayError } from '../errors/gateway-error';

/** Where Bull Board is served (outside /api/v1; the web app leaves /admin/* alone). */
export const QUEUE_DASHBOARD_ROUTE = '/admin/queues';

/**
 * Admin keys only: it shows every workspace's jobs and can retry or remove them. No key 401, a scoped
 * key 403; with no keys configured (the loopback-only mode) it is open like the rest of the API.
 */
export function adminOnly(keys: ApiKeyRegistry) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (keys.open) return next();
    const key = presentedKey(req);
    const principal = key ? keys.authenticate(key) : null;
    if (!key) return sendGatewayError(res, new GatewayError('UNAUTHORIZED', 'missing API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"'));
    if (!principal) return sendGatewayError(res, new GatewayError('UNAUTHORIZED', 'invalid API key'));
    if (principal.kind !== 'admin') return sendGatewayError(res, new GatewayError('FORBIDDEN', 'the queue dashboard is for admin keys only'));
    next();
  };
}

/** Bull Board (@bull-board/nestjs) over the step queues at /admin/queues, for admin keys. */
export function queueDashboardModules(queues: unknown[], apiKeys: ApiKeyEntry[]): DynamicModule[] {
  return [
    BullBoardModule.forRoot({
      route: QUEUE_DASHBOARD_ROUTE,
      adapter: ExpressAdapter,
      middleware: adminOnly(new ApiKeyRegistry(apiKeys)),
      boardOptions: { uiConfig: { boardTitle: 'MockOps queues' } },
    }),
    BullBoardModule.forFeature(...queues.map((queue) => ({ queue, adapter: BullMQAdapter }))),
  ];
}
