import { Inject, Injectable, Logger } from '@nestjs/common';
import { isPromotionStatus, type PromotableEntityType } from '@mockops/pipeline-core';
import type { PromotionRecord } from '@mockops/execution-store';
import { presentPromotion, promotionOutputs, promotionWaitKey, rejectionMessage, type PromotionView } from '@mockops/step-auto-promote';
import { Principal, canAccessWorkspace } from '../auth/api-keys';
import { GatewayError } from '../errors/gateway-error';
import { GATEWAY_OPTIONS, type GatewayPromotions, type ResolvedGatewayOptions } from '../gateway.options';

export interface PromotionPageView {
  items: PromotionView[];
  next_cursor: string | null;
}

export interface EnvironmentView {
  name: string;
  /** 0-based place in the promotion order; null for an environment that left the order but still holds versions. */
  position: number | null;
  entities: { entity_type: string; entity_id: string; version: string; promotion_id: string | null; event_id: string | null; updated_at: string }[];
}

export interface WorkspaceEnvironmentsView {
  workspace_id: string;
  /** False while the workspace uses the default order. */
  configured: boolean;
  order: string[];
  environments: EnvironmentView[];
}

const LIST_PARAMS = ['workspace_id', 'status', 'entity_type', 'entity_id', 'execution_id', 'limit', 'cursor'];
const ANYONE: Principal = { kind: 'anonymous', keyId: null, workspaces: null };

/**
 * Promotions for people: list and read them, approve or reject the pending ones, see and set a
 * workspace's environments. A decision applies the promotion in the store, then resumes the step that
 * waits for it (resolve the parked step run, advance the execution) and announces a completion. Those
 * follow-ups are idempotent and are tried again when a decision is repeated, so a crash between them
 * never strands a pipeline.
 */
@Injectable()
export class PromotionsService {
  private readonly logger = new Logger(PromotionsService.name);

  constructor(@Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions) {}

  private get promotions(): GatewayPromotions['store'] {
    return this.feature.store;
  }

  private get feature(): GatewayPromotions {
    if (!this.options.promotions) throw new GatewayError('UNAVAILABLE', 'promotions are not available on this gateway');
    return this.options.promotions;
  }

  async list(query: Record<string, unknown>, principal: Principal = ANYONE): Promise<PromotionPageView> {
    const unknown = Object.keys(query).filter((k) => !LIST_PARAMS.includes(k));
    if (unknown.length) throw invalid(`unknown query parameter ${unknown.map((k) => `"${k}"`).join(', ')}`);
    const text = (key: string) => {
      const v = query[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || v === '') throw invalid(`${key} must be a non-empty string`, key);
      return v;
    };
    const status = text('status');
    if (status !== undefined && !isPromotionStatus(status)) throw invalid('status must be one of pending, approved, rejected, completed, failed', 'status');
    const limitText = text('limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && !Number.isInteger(limit)) throw invalid('limit must be an integer', 'limit');
    const workspaceId = text('workspace_id');
    if (workspaceId !== undefined && !canAccessWorkspace(principal, workspaceId)) return { items: [], next_cursor: null };
    const page = await this.promotions.listPromotions({
      workspaceId,
      workspaceIds: principal.workspaces ?? undefined,
      status,
      entityType: text('entity_type') as PromotableEntityType | undefined,
      entityId: text('entity_id'),
      executionId: text('execution_id'),
      limit,
      cursor: text('cursor'),
    });
    return { items: page.items.map(presentPromotion), next_cursor: page.nextCursor };
  }

  async get(id: string, principal: Principal = ANYONE): Promise<PromotionView> {
    return presentPromotion(await this.find(id, principal));
  }

  /** Approves a pending promotion and applies it. Already decided: 409 (after finishing any follow-up left undone). */
  approve(id: string, body: unknown = {}, principal: Principal = ANYONE): Promise<PromotionView> {
    return this.decide('approve', id, body, principal);
  }

  /** Rejects a pending promotion; the waiting step fails. Already decided: 409. */
  reject(id: string, body: unknown = {}, principal: Principal = ANYONE): Promise<PromotionView> {
    return this.decide('reject', id, body, principal);
  }

  async environments(workspaceId: string, principal: Principal = ANYONE): Promise<WorkspaceEnvironmentsView> {
    this.checkWorkspace(workspaceId, principal);
    const view = await this.promotions.getEnvironments(workspaceId);
    const byEnv = new Map<string, EnvironmentView>(view.environments.map((name, position) => [name, { name, position, entities: [] }]));
    for (const v of view.versions) {
      let env = byEnv.get(v.environment);
      if (!env) byEnv.set(v.environment, (env = { name: v.environment, position: null, entities: [] }));
      env.entities.push({
        entity_type: v.entityType,
        entity_id: v.entityId,
        version: v.version,
        promotion_id: v.promotionId,
        event_id: v.eventId,
        updated_at: v.updatedAt,
      });
    }
    return { workspace_id: workspaceId, configured: view.configured, order: view.environments, environments: [...byEnv.values()] };
  }

  async setEnvironments(workspaceId: string, body: unknown, principal: Principal = ANYONE): Promise<WorkspaceEnvironmentsView> {
    this.checkWorkspace(workspaceId, principal);
    const environments = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)['environments'] : undefined;
    if (environments === undefined) throw invalid('body must be {"environments": ["dev", "test", "prod"]}', 'environments');
    const order = await this.promotions.setEnvironmentOrder(workspaceId, environments);
    this.logger.log(`workspace ${workspaceId} promotes along ${order.join(' → ')}`);
    return this.environments(workspaceId, principal);
  }

  private async decide(kind: 'approve' | 'reject', id: string, body: unknown, principal: Principal): Promise<PromotionView> {
    const decision = parseDecision(body, principal);
    await this.find(id, principal);
    const { promotion, changed } = await this.promotions[kind](id, decision);
    if (changed) this.logger.log(`promotion ${id} ${kind === 'approve' ? 'approved' : 'rejected'}${decision.decidedBy ? ` by ${decision.decidedBy}` : ''}: ${promotion.status}`);
    const resumed = await this.followUp(promotion, changed);
    if (!changed) {
      throw new GatewayError('CONFLICT', `promotion ${id} is already ${promotion.status}${resumed ? ' (its waiting step has now been resumed)' : ''}`);
    }
    return presentPromotion(promotion);
  }

  /**
   * Announce (event first: it is what chained pipelines wait for), resume the parked step, advance
   * the execution, then the webhook. Returns whether the parked step was still waiting.
   */
  private async followUp(p: PromotionRecord, decidedNow: boolean): Promise<boolean> {
    if (!['completed', 'failed', 'rejected'].includes(p.status)) return false;
    if (p.status === 'completed') await this.feature.announcer.announce(p, { webhook: false });
    let resumed = false;
    if (p.executionId && p.stepName) {
      const failed = p.status !== 'completed';
      resumed = await this.options.store.resolveParkedStepRun(p.executionId, p.stepName, {
        waitingFor: promotionWaitKey(p.id),
        outcome: failed ? 'failed' : 'succeeded',
        outputs: promotionOutputs(p),
        ...(failed
          ? p.status === 'rejected'
            ? { error: rejectionMessage(p), errorCode: 'PROMOTION_REJECTED' }
            : { error: `promotion ${p.id} failed: ${p.error ?? 'unknown error'}`, errorCode: p.errorCode ?? 'PROMOTION_FAILED' }
          : {}),
      });
      // Advancing is idempotent; doing it on every decision also repairs a crash right after resolving.
      await this.advancer.advance(p.executionId).catch((e: Error) => {
        if (!/not found/.test(e.message)) throw e;
        this.logger.warn(`promotion ${p.id}: its execution ${p.executionId} no longer exists`);
      });
    }
    if (p.status === 'completed' && (decidedNow || resumed)) {
      try {
        await this.feature.announcer.announce(p, { secret: this.feature.webhookSecret, log: (l) => this.logger.log(l) });
      } catch (e) {
        // The promotion is applied and the event is out; the webhook's failure must not undo the decision.
        this.logger.warn(`promotion ${p.id}: ${(e as Error).message}`);
      }
    }
    return resumed;
  }

  private async find(id: string, principal: Principal): Promise<PromotionRecord> {
    const p = await this.promotions.getPromotion(id);
    // Another workspace's promotion is reported missing, not forbidden: its existence is not the caller's business.
    if (!p || !canAccessWorkspace(principal, p.workspaceId)) throw GatewayError.notFound('promotion', id);
    return p;
  }

  private get advancer(): { advance(executionId: string): Promise<unknown> } {
    if (!this.options.advancer) throw new GatewayError('UNAVAILABLE', 'decisions need the step queues, which this gateway is not connected to');
    return this.options.advancer;
  }

  private checkWorkspace(workspaceId: string, principal: Principal): void {
    if (!canAccessWorkspace(principal, workspaceId)) throw GatewayError.notFound('workspace', workspaceId);
  }
}

function invalid(message: string, path?: string): GatewayError {
  return new GatewayError('VALIDATION_FAILED', message, path ? [{ path, message }] : []);
}

function parseDecision(body: unknown, principal: Principal): { comments: string | null; decidedBy: string | null } {
  const b = body === undefined || body === null ? {} : body;
  if (typeof b !== 'object' || Array.isArray(b)) throw invalid('body must be a JSON object: {"comments": "...", "decided_by": "..."}');
  const record = b as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => k !== 'comments' && k !== 'decided_by');
  if (unknown.length) throw invalid(`unknown field ${unknown.map((k) => `"${k}"`).join(', ')}`);
  for (const key of ['comments', 'decided_by']) {
    if (record[key] !== undefined && record[key] !== null && typeof record[key] !== 'string') throw invalid(`${key} must be a string`, key);
  }
  const comments = (record['comments'] as string | undefined)?.trim() || null;
  // Without a name, the key that decided is the best record of who it was.
  const decidedBy = (record['decided_by'] as string | undefined)?.trim() || (principal.keyId ? `api-key:${principal.keyId}` : null);
  return { comments, decidedBy };
}
