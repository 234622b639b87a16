import { ArtifactStore, PromotionStore } from '@mockops/execution-store';
import type { StepType } from '@mockops/pipeline-core';
import { PROMOTION_WEBHOOK_SECRET, PromotionAnnouncer, PublishedVersionsRecorder, createAutoPromoteHandler } from '@mockops/step-auto-promote';
import { createCreatePrHandler } from '@mockops/step-create-pr';
import { createHttpRequestHandler } from '@mockops/step-http-request';
import { createNotifyHandler } from '@mockops/step-notify';
import { createRegenerateSdkHandler } from '@mockops/step-regenerate-sdk';
import type { StepHandler } from '@mockops/worker-kit';
import { Logger } from '@nestjs/common';
import type { Infrastructure } from './infrastructure';

/** Builds a step type's handler from the process's infrastructure and the config's section for it. */
export type HandlerFactory = (infra: Infrastructure) => StepHandler<any>;

/**
 * Every step type's handler, one entry per type of pipeline-core's registry: a step type without a
 * handler here does not compile, and the one-process app, which runs them all, refuses to boot if one
 * is missing at run time. Each handler gets its typed deps, never the environment.
 */
export const ALL_STEP_HANDLERS: { [K in StepType]: HandlerFactory } = {
  notify: ({ config }) => createNotifyHandler({ egressAllow: config.egress.allow, emailFrom: config.steps.notify.emailFrom }),
  create_pr: ({ config }) => createCreatePrHandler({ githubApiUrl: config.steps.createPr.githubApiUrl, egress: { allow: config.egress.allow } }),
  regenerate_sdk: ({ config, dataSource }) =>
    createRegenerateSdkHandler({
      specRoot: config.steps.regenerateSdk.specRoot,
      artifactsDir: config.steps.regenerateSdk.artifactsDir,
      generation: { maxHeapMb: config.steps.regenerateSdk.maxHeapMb, timeoutMs: config.steps.regenerateSdk.timeoutMs },
      egressAllow: config.egress.allow,
      artifacts: new ArtifactStore(dataSource),
    }),
  auto_promote: (infra) =>
    createAutoPromoteHandler({
      promotions: new PromotionStore(infra.dataSource),
      announcer: promotionAnnouncer(infra),
      webhookSecret: infra.secrets[PROMOTION_WEBHOOK_SECRET],
    }),
  http_request: ({ config }) => createHttpRequestHandler({ egressAllow: config.egress.allow }),
};

/** Who tells the world a promotion completed: the event, and the mock platform's webhook when configured. */
export function promotionAnnouncer(infra: Pick<Infrastructure, 'publisher' | 'config'>): PromotionAnnouncer {
  return new PromotionAnnouncer({ publisher: infra.publisher, webhookUrl: infra.config.steps.autoPromote.promotionWebhookUrl, allow: infra.config.egress.allow });
}

/** A piece of a process that runs in the background for its lifetime (a stream consumer...). */
export interface BackgroundService {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Records every published scenario version (what `GET /workspaces/:id/environments` shows). */
export function publishedVersionsRecorder(infra: Infrastructure): BackgroundService {
  return new PublishedVersionsRecorder({
    redis: infra.redis,
    stream: infra.config.events.stream,
    promotions: new PromotionStore(infra.dataSource),
    probe: () => infra.dataSource.query('SELECT 1'),
    maxEventBytes: infra.config.events.maxBytes,
    logger: new Logger(PublishedVersionsRecorder.name),
  });
}
