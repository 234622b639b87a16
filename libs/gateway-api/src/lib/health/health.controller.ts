import { Controller, Get, HttpCode, Inject, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { Request, Response } from 'express';
import { presentedKey } from '../auth/api-key.guard';
import { ApiKeyRegistry } from '../auth/api-keys';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway.options';

const PING_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Kubernetes probes: liveness says the process serves; readiness says Postgres and Redis answer.
 * Readiness is unauthenticated (probes carry no key), so it says only up/down per dependency; the
 * reason (a connection error naming hosts and ports) is shown to admin keys alone.
 */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions,
    @Inject(ApiKeyRegistry) private readonly keys: ApiKeyRegistry,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  liveness() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readiness(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    let result: HealthCheckResult;
    try {
      result = await this.health.check([() => this.ping('postgres', this.options.pingDatabase), () => this.ping('redis', this.options.pingRedis)]);
    } catch (e) {
      // Terminus reports a failed check as a 503 whose body is the per-dependency result; keep it.
      if (!(e instanceof ServiceUnavailableException)) throw e;
      res.status(503);
      result = e.getResponse() as HealthCheckResult;
    }
    return this.isAdmin(req) ? result : { status: result.status, checks: Object.fromEntries(Object.entries(result.details ?? {}).map(([k, v]) => [k, v.status])) };
  }

  private isAdmin(req: Request): boolean {
    if (this.keys.open) return true;
    const key = presentedKey(req);
    return key !== null && this.keys.authenticate(key)?.kind === 'admin';
  }

  private async ping(key: string, fn: () => Promise<unknown>) {
    const session = this.indicators.check(key);
    try {
      await withTimeout(fn(), key);
      return session.up();
    } catch (e) {
      return session.down({ message: e instanceof Error ? e.message : String(e) });
    }
  }
}
