import type { Redis } from 'ioredis';
import type { EventEnvelope, SecretScope } from '@mockops/pipeline-core';
import type { PipelineChange } from '@mockops/event-stream';
import type { ApiKeyEntry } from '@mockops/config';
import type { ArtifactRecord, ArtifactWithContent, PromotionStore } from '@mockops/execution-store';
import type { PromotionAnnouncer } from '@mockops/step-auto-promote';
import type { GatewayStore } from './store-port';

export const GATEWAY_OPTIONS = Symbol('GATEWAY_OPTIONS');

export { DEFAULT_RATE_LIMIT, type RateLimit as GatewayRateLimit } from '@mockops/config';
import type { RateLimit } from '@mockops/config';

/** Promotions: the table, who announces a completion, and the key that signs the promotion webhook. */
export interface GatewayPromotions {
  store: Pick<
    PromotionStore,
    'listPromotions' | 'getPromotion' | 'approve' | 'reject' | 'getEnvironments' | 'setEnvironmentOrder'
  >;
  announcer: Pick<PromotionAnnouncer, 'announce'>;
  /** The operator's PROMOTION_WEBHOOK_SECRET. */
  webhookSecret?: string;
}

/** Execution artifacts (the ArtifactStore). */
export interface GatewayArtifacts {
  list(executionId: string): Promise<ArtifactRecord[]>;
  get(executionId: string, name: string): Promise<ArtifactWithContent | null>;
}

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
  /** The configured API keys; none = open gateway (loopback only). */
  apiKeys?: ApiKeyEntry[];
  /** false disables rate limiting. */
  rateLimit?: RateLimit | false;
  promotions?: GatewayPromotions;
  artifacts?: GatewayArtifacts;
  /** Workspace secrets; without them the secrets API answers 503 and saving skips the secret scope check. */
  secrets?: GatewaySecrets;
}

export interface ResolvedGatewayOptions extends GatewayModuleOptions {
  pingDatabase: () => Promise<unknown>;
  pingRedis: () => Promise<unknown>;
}
