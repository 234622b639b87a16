import type { EventEnvelope, PromotionRecord, PromotionRequest, PromotionRequestResult, PublishedVersion, RecordedVersion } from '@mockops/pipeline-core';
import { PermanentStepError, TransientStepError, type StepHandler, type StepResult, type StepRunContext } from '@mockops/worker-kit';
import { normalizeAutoPromoteConfig, type AutoPromoteConfig, type ValidAutoPromoteConfig } from './auto-promote-config';
import { PromotionAnnouncer, PromotionWebhookError } from './promotion-announcer';
import { promotionOutputs } from './promotion-payloads';

/**
 * Where promotions are kept (the store's PromotionStore fits). It rejects input its rules refuse with
 * an error named `StoreError` (with `code`, and `reason` for a promotion rule).
 */
export interface PromotionPort {
  recordPublished(input: PublishedVersion): Promise<RecordedVersion>;
  requestPromotion(req: PromotionRequest): Promise<PromotionRequestResult>;
}

/** What the handler needs: the promotion tables and whoever announces completions. */
export interface AutoPromoteDeps {
  promotions: PromotionPort;
  announcer: Pick<PromotionAnnouncer, 'announce'>;
  /**
   * The operator's HMAC key for the mock platform's promotion webhook. The operator's, whoever owns
   * the pipeline: the destination is the operator's configured URL, never one a pipeline chooses.
   */
  webhookSecret?: string;
}

/** `promotion:<id>`: what a step parked for approval waits for. */
export function promotionWaitKey(promotionId: string): string {
  return `promotion:${promotionId}`;
}

/**
 * The `auto_promote` step. It first records the triggering `scenario.published` of the scenario it
 * promotes (idempotent, so it never races a separate recorder), then asks the store for the
 * promotion keyed on (execution, step): a re-run gets the same promotion back. Completed: announce it
 * and succeed. Pending approval: park the step (`waiting`); the approval API resolves it later.
 */
export function createAutoPromoteHandler(deps: AutoPromoteDeps): StepHandler<AutoPromoteConfig> {
  return {
    stepType: 'auto_promote',
    async run(ctx: StepRunContext<AutoPromoteConfig>): Promise<StepResult> {
      const config = normalizeAutoPromoteConfig(ctx.config);
      const workspaceId = workspaceOf(ctx);
      await recordTriggeringPublish(deps, ctx, config, workspaceId);

      const { promotion, created } = await deps.promotions
        .requestPromotion({
          workspaceId,
          entityType: config.entityType,
          entityId: config.entityId,
          fromEnvironment: config.fromEnvironment,
          toEnvironment: config.toEnvironment,
          version: config.version,
          comments: config.comments,
          requireApproval: config.requireApproval,
          allowSkip: config.allowSkip,
          executionId: ctx.execution.id,
          stepName: ctx.step.name,
        })
        .catch(storeFailure);
      const what = `${config.entityType} ${config.entityId} ${config.fromEnvironment} → ${config.toEnvironment}`;
      ctx.log(`${created ? 'requested' : 'found existing'} promotion ${promotion.id} (${what}): ${promotion.status}`);
      return settle(deps, ctx, promotion);
    },
  };
}

async function settle(deps: AutoPromoteDeps, ctx: StepRunContext<unknown>, promotion: PromotionRecord): Promise<StepResult> {
  switch (promotion.status) {
    case 'pending':
    case 'approved':
      ctx.log(`promotion ${promotion.id} waits for approval: POST /api/v1/promotions/${promotion.id}/approve (or reject)`);
      return { status: 'waiting', waitingFor: promotionWaitKey(promotion.id), outputs: promotionOutputs(promotion) };
    case 'completed':
      await announce(deps, ctx, promotion);
      return { outputs: promotionOutputs(promotion) };
    case 'rejected':
      throw new PermanentStepError(rejectionMessage(promotion), 'PROMOTION_REJECTED');
    default:
      throw new PermanentStepError(`promotion ${promotion.id} failed: ${promotion.error ?? 'unknown error'}`, promotion.errorCode ?? 'PROMOTION_FAILED');
  }
}

/** The step error of a rejected promotion (also what the approval API records on the parked step). */
export function rejectionMessage(p: PromotionRecord): string {
  return `promotion ${p.id} was rejected${p.decidedBy ? ` by ${p.decidedBy}` : ''}${p.decisionComments ? `: ${p.decisionComments}` : ''}`;
}

async function announce(deps: AutoPromoteDeps, ctx: StepRunContext<unknown>, promotion: PromotionRecord): Promise<void> {
  try {
    await deps.announcer.announce(promotion, { secret: deps.webhookSecret, signal: ctx.signal, log: (l) => ctx.log(l) });
  } catch (e) {
    // The promotion itself is done and stays done; a retry only repeats the announcement (idempotent).
    if (e instanceof PromotionWebhookError) {
      if (e.retryable) throw new TransientStepError(e.message, 'PROMOTION_WEBHOOK_UNAVAILABLE');
      throw new PermanentStepError(e.message, 'PROMOTION_WEBHOOK_REJECTED');
    }
    throw new TransientStepError(`could not publish promotion.completed: ${(e as Error).message}`, 'PROMOTION_EVENT_UNPUBLISHED');
  }
}

/** The execution's workspace, else the event's (envelope, then payload). A promotion always belongs to one. */
function workspaceOf(ctx: StepRunContext<unknown>): string {
  const event = ctx.event as EventEnvelope;
  const fromPayload = event.payload?.['workspace_id'];
  const id = ctx.execution.workspaceId ?? event.workspace_id ?? (typeof fromPayload === 'string' ? fromPayload : undefined);
  if (!id) {
    throw new PermanentStepError(
      'auto_promote needs a workspace: the pipeline has no workspace_id and the event carries none',
      'AUTO_PROMOTE_NO_WORKSPACE',
    );
  }
  return id;
}

/**
 * When the step runs because this very scenario was published, the published version is recorded in
 * the environment the event names (payload `environment`) or the workspace's first one, before the
 * promotion reads it. Idempotent on the event id.
 */
async function recordTriggeringPublish(deps: AutoPromoteDeps, ctx: StepRunContext<unknown>, config: ValidAutoPromoteConfig, workspaceId: string): Promise<void> {
  const event = ctx.event as EventEnvelope;
  if (event.type !== 'scenario.published' || config.entityType !== 'scenario') return;
  const payload = event.payload ?? {};
  if (String(payload['scenario_id']) !== config.entityId) return;
  const version = payload['version'];
  if ((typeof version !== 'string' || version.trim() === '') && typeof version !== 'number') {
    ctx.log(`scenario.published ${event.id} carries no version: nothing recorded`);
    return;
  }
  const environment = typeof payload['environment'] === 'string' && payload['environment'] ? payload['environment'] : null;
  const recorded = await deps.promotions
    .recordPublished({
      workspaceId,
      entityType: 'scenario',
      entityId: config.entityId,
      version: String(version).trim(),
      environment,
      eventId: event.id,
      occurredAt: event.occurred_at,
    })
    .catch(storeFailure);
  ctx.log(
    recorded.changed
      ? `recorded scenario ${config.entityId} version ${recorded.version} in "${recorded.environment}" (event ${event.id})`
      : `"${recorded.environment}" holds scenario ${config.entityId} version ${recorded.version} already`,
  );
}

/** The store refusing input is permanent; anything else (connection lost...) is worth a retry. */
function storeFailure(e: unknown): never {
  const err = e as { name?: unknown; code?: unknown; reason?: unknown; message?: string };
  if (err?.name === 'StoreError') throw new PermanentStepError(String(err.message), typeof err.reason === 'string' ? err.reason : `PROMOTION_${String(err.code)}`);
  throw e;
}
