import { Inject, Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
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

const QUEUE_DASHBOARD_OPTIONS = Symbol('QUEUE_DASHBOARD_OPTIONS');

interface QueueDashboardOptions {
  queues: unknown[];
  apiKeys: ApiKeyEntry[];
}

/**
 * Bull Board, built on the first request to it: the board (@bull-board/api and its express server,
 * a few MiB of code and UI config) is an admin page most processes never serve, so it is not loaded at
 * boot (docs/performance.md, P7). A failed build is retried on the next request.
 */
export function lazyQueueDashboard(queues: unknown[]): RequestHandler {
  let router: Promise<RequestHandler> | undefined;
  return (req, res, next) => {
    router ??= buildQueueDashboard(queues);
    router.then(
      (handle) => handle(req, res, next),
      (e: unknown) => {
        router = undefined;
        next(e);
      },
    );
  };
}

async function buildQueueDashboard(queues: unknown[]): Promise<RequestHandler> {
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/express'),
  ]);
  const serverAdapter = new ExpressAdapter();
  // The route is excluded from the /api/v1 prefix (configureGatewayApp), so this is the board's URL.
  serverAdapter.setBasePath(QUEUE_DASHBOARD_ROUTE);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue as ConstructorParameters<typeof BullMQAdapter>[0])),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'MockOps queues' } },
  });
  return serverAdapter.getRouter() as RequestHandler;
}

@Module({})
export class QueueDashboardModule implements NestModule {
  constructor(@Inject(QUEUE_DASHBOARD_OPTIONS) private readonly options: QueueDashboardOptions) {}

  static forRoot(options: QueueDashboardOptions): DynamicModule {
    return { module: QueueDashboardModule, providers: [{ provide: QUEUE_DASHBOARD_OPTIONS, useValue: options }] };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(adminOnly(new ApiKeyRegistry(this.options.apiKeys)), lazyQueueDashboard(this.options.queues)).forRoutes(QUEUE_DASHBOARD_ROUTE);
  }
}

/** Bull Board over the step queues at /admin/queues, for admin keys. */
export function queueDashboardModules(queues: unknown[], apiKeys: ApiKeyEntry[]): DynamicModule[] {
  return [QueueDashboardModule.forRoot({ queues, apiKeys })];
}
