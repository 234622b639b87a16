import type { Redis } from 'ioredis';
import type { EventEnvelope, SecretScope } from '@mockops/pipeline-core';
import type { PipelineChange } from '@mockops/event-stream';
import type { ApiKeyEntry } from './auth/api-keys';
import type { GatewayStore } from './store-port';

export const GATEWAY_OPTIONS = Symbol('GATEWAY_OPTIONS');

export interface GatewayRateLimit {
  /** Requests allowed per window and caller (API key, else client address). */
  limit: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: GatewayRateLimit = { limit: 600, windowMs: 60_000 };

/** Workspace secrets as the gateway uses them: the store, and who may use what (save-time checks). */
export interface GatewaySecrets {
  store: {
    put(workspaceId: string, name: string, value: string): Promise<{ created: boolean; record: { workspaceId: string; name: string; createdAt: string; updatedAt: string } }>;
    list(workspaceId: string): Promise<{ workspaceId: string; name: string; createdAt: string; updatedAt: string }[]>;
    names(workspaceId: string): Promise<Set<string>>;
    delete(workspaceId: string, name: string): Promise<boolean>;
    rotate(): Promise<{ rotated: number; activeKeyId: string; unreadable: string[] }>;
  };
  resolver: { scope(workspaceId: string | null, workspaceNames: ReadonlySet<string>): SecretScope };
}

/**
 * What the gateway needs, injected so that tests can pass a store on a test schema and a Redis key
 * prefix, and the all-in-one process can share its instances with the other services.
 */
export interface GatewayModuleOptions {
  store: GatewayStore;
  /** Publishes events to the stream; idempotent on the envelope id (EventPublisher). */
  publisher: { publishEnvelope(envelope: EventEnvelope): Promise<{ id: string; entryId: string | null; duplicate: boolean }> };
  /** Tells matchers to reload a pipeline (PipelineChangeNotifier). */
  notifier: { notify(pipelineId: string, kind: PipelineChange['kind']): Promise<void> };
  /** Enqueues an execution's next steps (re-runs). Without it, re-runs answer 503. */
  advancer?: { advance(executionId: string): Promise<unknown> };
  /** Used by /readyz unless pingRedis is given. */
  redis?: Redis;
  pingRedis?: () => Promise<unknown>;
  /** Used by /readyz (`SELECT 1`) unless pingDatabase is given. */
  dataSource?: { query(sql: string): Promise<unknown> };
  /** Used by /readyz; defaults to `SELECT 1` on dataSource, else a lookup through the store. */
  pingDatabase?: () => Promise<unknown>;
  /** MOCKOPS_API_KEYS text or parsed entries; none = open gateway (loopback only). */
  apiKeys?: string | ApiKeyEntry[];
  /** false disables rate limiting. */
  rateLimit?: GatewayRateLimit | false;
  /** Workspace secrets; without them the secrets API answers 503 and saving skips the secret scope check. */
  secrets?: GatewaySecrets;
}

export interface ResolvedGatewayOptions extends GatewayModuleOptions {
  pingDatabase: () => Promise<unknown>;
  pingRedis: () => Promise<unknown>;
}
