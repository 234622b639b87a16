import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { GatewayThrottlerGuard } from './gateway-throttler.guard';

/**
 * For API controllers that live in other modules (promotions, artifacts): applies the gateway's own
 * rate limit — same limits, same counters per key — when the GatewayModule is loaded in the process,
 * and lets the request through when it is not (a module booted alone, e.g. in its own tests).
 */
@Injectable()
export class SharedRateLimitGuard implements CanActivate {
  private throttler?: GatewayThrottlerGuard | null;

  constructor(private readonly moduleRef: ModuleRef) {}

  canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    if (this.throttler === undefined) {
      try {
        this.throttler = this.moduleRef.get(GatewayThrottlerGuard, { strict: false });
      } catch {
        this.throttler = null;
      }
    }
    return this.throttler ? this.throttler.canActivate(context) : true;
  }
}
