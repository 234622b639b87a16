import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry } from '@mockops/config';

/**
 * Who is calling. `workspaces: null` means every workspace (an admin key, or the open loopback mode);
 * a scoped key lists the workspaces it may see and change.
 */
export interface Principal {
  kind: 'admin' | 'scoped' | 'anonymous';
  /** Short, non-secret fingerprint of the key, for logs and rate limiting. */
  keyId: string | null;
  workspaces: string[] | null;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Holds the configured keys (as digests) and resolves a presented key to a Principal. */
export class ApiKeyRegistry {
  private readonly keys: { digest: Buffer; workspaces: string[] | null }[] = [];

  constructor(entries: ApiKeyEntry[]) {
    for (const e of entries) this.keys.push({ digest: e.sha256 ? Buffer.from(e.key, 'hex') : digest(e.key), workspaces: e.workspaces });
  }


  /** No keys configured: the gateway is open (only allowed on a loopback address). */
  get open(): boolean {
    return this.keys.length === 0;
  }

  authenticate(presented: string): Principal | null {
    const d = digest(presented);
    // Constant time: every configured digest is compared, with no early exit and no lookup keyed on
    // the presented value, so timing says nothing about which key (or how much of one) matched.
    let found: { digest: Buffer; workspaces: string[] | null } | null = null;
    for (const k of this.keys) if (timingSafeEqual(k.digest, d) && !found) found = k;
    if (!found) return null;
    return {
      kind: found.workspaces ? 'scoped' : 'admin',
      keyId: d.toString('hex').slice(0, 12),
      workspaces: found.workspaces ? [...found.workspaces] : null,
    };
  }
}

export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({ kind: 'anonymous', keyId: null, workspaces: null }) as Principal;

/** Whether the caller may see a resource owned by `workspaceId` (null = not owned by a workspace). */
export function canAccessWorkspace(principal: Principal, workspaceId: string | null | undefined): boolean {
  if (principal.workspaces === null) return true;
  return !!workspaceId && principal.workspaces.includes(workspaceId);
}

const LOOPBACK_HOSTS = new Set(['localhost', '::1', '[::1]', 'ip6-localhost']);

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  if (LOOPBACK_HOSTS.has(h)) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  return /^(::ffff:)?127\./.test(h);
}
