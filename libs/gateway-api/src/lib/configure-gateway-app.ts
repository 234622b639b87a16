import { INestApplication, Logger, RequestMethod } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { DEFAULT_MAX_BODY_BYTES } from '@mockops/config';
import { httpMetricsMiddleware } from '@mockops/telemetry';
import { ApiKeyRegistry, isLoopbackHost } from './auth/api-keys';
import { ApiErrorFilter, sendGatewayError } from './errors/api-error.filter';
import { JSON_MEDIA_TYPES, YAML_MEDIA_TYPES } from './http/content-type.guard';
import { inputChecks, verifyUtf8 } from './http/input-checks.middleware';

export const API_PREFIX = 'api/v1';

export interface ConfigureGatewayOptions {
  /** The address the app will listen on; with no API keys only a loopback address is allowed. */
  host?: string;
  /** Request body limit in bytes (MOCKOPS_MAX_BODY). Default 1 MB. */
  maxBody?: number;
  /** Serve the OpenAPI document and Swagger UI (default true). */
  docs?: boolean;
}

export class GatewayBootError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewayBootError';
  }
}

const logger = new Logger('GatewayApp');

/** Without API keys the gateway may only listen on loopback; call it early to fail before connecting anywhere. */
export function assertSafeBinding(host: string, open: boolean): void {
  if (open && !isLoopbackHost(host)) {
    throw new GatewayBootError(
      `refusing to serve without API keys on ${host}: set MOCKOPS_API_KEYS, or bind to a loopback address (HOST=127.0.0.1)`,
    );
  }
}

/**
 * Everything about the HTTP surface that is not a module: the `/api/v1` prefix (probes stay at the
 * root), JSON and YAML body parsers with the size limit, the error shape for failures that happen
 * before Nest's pipeline (body parsing), and the OpenAPI document at `/api/docs-json`.
 * Call it before `app.listen()`/`app.init()`.
 */
export function configureGatewayApp(app: INestApplication, options: ConfigureGatewayOptions = {}): INestApplication {
  const host = options.host ?? '127.0.0.1';
  const keys = app.get(ApiKeyRegistry);
  assertSafeBinding(host, keys.open);
  if (keys.open) {
    logger.warn(`MOCKOPS_API_KEYS is not set: the API is open to anyone who can reach ${host} (loopback only)`);
  }

  const limit = options.maxBody ?? DEFAULT_MAX_BODY_BYTES;
  const express = app as NestExpressApplication;
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'healthz', method: RequestMethod.GET },
      { path: 'readyz', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
      { path: 'admin/queues', method: RequestMethod.ALL },
      { path: 'admin/queues/{*rest}', method: RequestMethod.ALL },
    ],
  });
  // First, so every request is timed and counted under its route template.
  express.use(httpMetricsMiddleware());
  // Registered before Nest's defaults, which it then skips (it checks the parser names).
  express.useBodyParser('json', { limit, type: JSON_MEDIA_TYPES, verify: verifyUtf8 });
  express.useBodyParser('text', { limit, type: YAML_MEDIA_TYPES, verify: verifyUtf8 });
  express.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    sendGatewayError(res, err);
  });
  express.use(inputChecks());
  app.useGlobalFilters(new ApiErrorFilter());

  if (options.docs ?? true) {
    const config = new DocumentBuilder()
      .setTitle('MockOps Pipelines API')
      .setDescription('Event-driven automation for mock environments: pipelines, executions and events.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key from MOCKOPS_API_KEYS' }, 'bearer')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
      .build();
    // Built on the first request for the docs (and kept), not at boot: the document of every route
    // stays out of the memory of a process nobody reads it from (docs/performance.md, P7).
    SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'api/docs-json' });
  }
  return app;
}
