import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthenticatedRequest } from '../auth/api-key.guard';

/**
 * Rate limits per API key when the caller has one (many clients share a NAT address), per client
 * address otherwise. Runs after the ApiKeyGuard so the principal is known.
 */
@Injectable()
export class GatewayThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const principal = (req as AuthenticatedRequest).principal;
    if (principal?.keyId) return `key:${principal.keyId}`;
    return `ip:${(req as AuthenticatedRequest).ip ?? 'unknown'}`;
  }
}
