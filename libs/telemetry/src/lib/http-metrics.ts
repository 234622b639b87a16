import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics } from './metrics';

type Request = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };

/** The route label of a request nothing routed (the web app's files, unknown paths). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Express middleware counting gateway requests by route template (`/api/v1/pipelines/:id`), never the
 * raw path (ids would make the label set unbounded). The route is known once routing is done, so it is
 * read when the response finishes.
 */
export function httpMetricsMiddleware() {
  return (req: Request, res: ServerResponse, next: () => void): void => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const path = req.route?.path;
      const route = typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : UNMATCHED_ROUTE;
      const method = req.method ?? 'GET';
      metrics.httpRequests.inc({ method, route, status_code: String(res.statusCode) });
      metrics.httpDuration.observe({ method, route }, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}
