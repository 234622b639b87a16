import type { PromotionRecord, PromotionRequest, PublishedVersion } from '@mockops/execution-store';
import { PermanentStepError, StepError, TransientStepError, type StepRunContext } from '@mockops/worker-kit';
import { buildStepRunContext } from '@mockops/testing';
import { createAutoPromoteHandler, type AutoPromoteDeps } from './auto-promote.handler';
import { PromotionWebhookError } from './promotion-announcer';

function promotion(over: Partial<PromotionRecord> = {}): PromotionRecord {
  return {
    id: 'prm-1',
    workspaceId: 'ws-1',
    entityType: 'scenario',
    entityId: 'sc-1',
    version: '3',
    fromEnvironment: 'dev',
    toEnvironment: 'test',
    status: 'completed',
    requireApproval: false,
    comments: null,
    executionId: 'exec-1',
    stepName: 'promote',
    decidedBy: null,
    decisionComments: null,
    error: null,
    errorCode: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    decidedAt: null,
    completedAt: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}

/** The store and announcer as fakes that record what the handler asked. */
function fakes(result: PromotionRecord, announceError?: Error) {
  const calls = { requests: [] as PromotionRequest[], published: [] as PublishedVersion[], announced: [] as PromotionRecord[] };
  const deps: AutoPromoteDeps = {
    promotions: {
      async recordPublished(input) {
        calls.published.push(input);
        return { environment: input.environment ?? 'dev', version: input.version, changed: true };
      },
      async requestPromotion(req) {
        calls.requests.push(req);
        return { promotion: result, created: true };
      },
    },
    announcer: {
      async announce(p) {
        if (announceError) throw announceError;
        calls.announced.push(p);
        return { event_id: `promotion.completed:${p.id}`, event_published: true, webhook_status: null };
      },
    },
  };
  return { deps, calls };
}

function context(config: Record<string, unknown>, event: Partial<StepRunContext['event']> = {}, workspaceId: string | null = null): StepRunContext<any> {
  return buildStepRunContext(config, {
    executionId: 'exec-1',
    pipelineId: 'p-1',
    pipelineName: 'auto-promote-to-test',
    stepName: 'promote',
    timeoutMs: 1000,
    workspaceId,
    ownerWorkspaceId: workspaceId,
    startedAt: '2025-01-01T00:00:00.000Z',
    event: {
      id: 'evt-1',
      type: 'scenario.published',
      workspace_id: 'ws-1',
      occurred_at: '2025-01-01T00:00:00.000Z',
      payload: { scenario_id: 'sc-1', scenario_name: 'checkout', version: 3, workspace_id: 'ws-1' },
      ...event,
    },
  });
}

const config = { entity_type: 'scenario', entity_id: 'sc-1', from_environment: 'dev', to_environment: 'test' };

async function failure(p: Promise<unknown>): Promise<StepError> {
  try {
    await p;
  } catch (e) {
    return e as StepError;
  }
  throw new Error('expected the step to fail');
}

describe('auto_promote handler', () => {
  it('records the triggering publish, asks for the promotion keyed on execution+step, announces and outputs it', async () => {
    const { deps, calls } = fakes(promotion());
    const result = await createAutoPromoteHandler(deps).run(context(config));
    expect(calls.published).toEqual([
      { workspaceId: 'ws-1', entityType: 'scenario', entityId: 'sc-1', version: '3', environment: null, eventId: 'evt-1', occurredAt: '2025-01-01T00:00:00.000Z' },
    ]);
    expect(calls.requests[0]).toMatchObject({ workspaceId: 'ws-1', executionId: 'exec-1', stepName: 'promote', requireApproval: false, allowSkip: false });
    expect(calls.announced).toHaveLength(1);
    expect(result).toEqual({
      outputs: { promotion_id: 'prm-1', status: 'completed', entity_type: 'scenario', entity_id: 'sc-1', version: '3', from_environment: 'dev', to_environment: 'test' },
    });
  });

  it('records into the environment the event names, and nothing for another scenario or event type', async () => {
    const named = fakes(promotion());
    await createAutoPromoteHandler(named.deps).run(context(config, { payload: { scenario_id: 'sc-1', version: '4', environment: 'test' } }));
    expect(named.calls.published[0]).toMatchObject({ environment: 'test', version: '4' });

    const other = fakes(promotion());
    await createAutoPromoteHandler(other.deps).run(context(config, { payload: { scenario_id: 'sc-2', version: 1 } }));
    await createAutoPromoteHandler(other.deps).run(context(config, { type: 'promotion.completed', payload: {} }));
    expect(other.calls.published).toEqual([]);
  });

  it('parks the step while the promotion waits for approval', async () => {
    const { deps, calls } = fakes(promotion({ status: 'pending', requireApproval: true }));
    const result = await createAutoPromoteHandler(deps).run(context({ ...config, require_approval: true }));
    expect(result).toMatchObject({ status: 'waiting', waitingFor: 'promotion:prm-1', outputs: { promotion_id: 'prm-1', status: 'pending' } });
    expect(calls.announced).toEqual([]);
  });

  it('fails permanently with the store reason when the promotion failed or was rejected', async () => {
    const failed = fakes(promotion({ status: 'failed', error: 'scenario sc-1 is not in environment "dev"', errorCode: 'PROMOTION_ENTITY_MISSING' }));
    const e = await failure(createAutoPromoteHandler(failed.deps).run(context(config)));
    expect(e).toBeInstanceOf(PermanentStepError);
    expect(e).toMatchObject({ code: 'PROMOTION_ENTITY_MISSING', message: 'promotion prm-1 failed: scenario sc-1 is not in environment "dev"' });

    const rejected = fakes(promotion({ status: 'rejected', decidedBy: 'bob', decisionComments: 'no' }));
    expect(await failure(createAutoPromoteHandler(rejected.deps).run(context(config)))).toMatchObject({ code: 'PROMOTION_REJECTED', message: 'promotion prm-1 was rejected by bob: no' });
  });

  it('retries an unreachable promotion webhook and gives up on one that refuses', async () => {
    const down = fakes(promotion(), new PromotionWebhookError('promotion webhook answered 503', true));
    expect(await failure(createAutoPromoteHandler(down.deps).run(context(config)))).toBeInstanceOf(TransientStepError);
    const refused = fakes(promotion(), new PromotionWebhookError('promotion webhook answered 401', false));
    expect(await failure(createAutoPromoteHandler(refused.deps).run(context(config)))).toMatchObject({ code: 'PROMOTION_WEBHOOK_REJECTED', retryable: false });
  });

  it('needs a workspace from the pipeline or the event', async () => {
    const { deps } = fakes(promotion());
    const e = await failure(createAutoPromoteHandler(deps).run(context(config, { workspace_id: undefined, payload: { scenario_id: 'sc-1' } })));
    expect(e).toMatchObject({ code: 'AUTO_PROMOTE_NO_WORKSPACE' });
    const owned = fakes(promotion());
    await createAutoPromoteHandler(owned.deps).run(context(config, { workspace_id: 'ws-event' }, 'ws-pipeline'));
    expect(owned.calls.requests[0].workspaceId).toBe('ws-pipeline');
  });
});
