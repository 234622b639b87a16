import { Controller, Get, HttpCode, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Response } from 'express';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway.options';

const PING_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Kubernetes probes: liveness says the process serves; readiness says Postgres and Redis answer. */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  liveness() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readiness(@Res({ passthrough: true }) res: Response) {
    try {
      return await this.health.check([() => this.ping('postgres', this.options.pingDatabase), () => this.ping('redis', this.options.pingRedis)]);
    } catch (e) {
      // Terminus reports a failed check as a 503 whose body is the per-dependency result; keep it.
      if (e instanceof ServiceUnavailableException) {
        res.status(503);
        return e.getResponse();
      }
      throw e;
    }
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
