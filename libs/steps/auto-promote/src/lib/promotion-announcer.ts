import { EgressDeniedError, EgressError, SIGNATURE_HEADER, TIMESTAMP_HEADER, egressFetch, maskUrl, signWebhookBody, type EgressAllowList } from '@mockops/egress';
import type { EventPublisher } from '@mockops/event-stream';
import type { PromotionRecord } from '@mockops/pipeline-core';
import { PROMOTION_COMPLETED, presentPromotion, promotionCompletedEventId, promotionCompletedPayload } from './promotion-payloads';

/** The operator secret that signs the promotion webhook (MOCKOPS_SECRET_PROMOTION_WEBHOOK_SECRET). */
export const PROMOTION_WEBHOOK_SECRET = 'PROMOTION_WEBHOOK_SECRET';
export const PROMOTION_EVENT_SOURCE = 'mockops-auto-promote';

/** The webhook answered badly or could not be reached; `retryable` says whether trying again may help. */
export class PromotionWebhookError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'PromotionWebhookError';
  }
}

export interface AnnouncerOptions {
  publisher: Pick<EventPublisher, 'publish'>;
  /** The mock platform's promotion endpoint (MOCKOPS_PROMOTION_WEBHOOK_URL); none: no webhook. */
  webhookUrl?: string;
  allow?: EgressAllowList;
  now?: () => Date;
}

export interface AnnounceOptions {
  /** HMAC key for the webhook; unsigned when absent. */
  secret?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Post the webhook too (default true); the event alone is cheap to repeat, the webhook is not. */
  webhook?: boolean;
}

export interface Announcement {
  event_id: string;
  /** False when the event had been published already (a re-run or a retried approval). */
  event_published: boolean;
  webhook_status: number | null;
}

/**
 * Tells the world a promotion completed: the `promotion.completed` event (id derived from the
 * promotion, so announcing twice publishes once) and, when configured, a signed POST to the mock
 * platform carrying an Idempotency-Key so the receiver can drop repeats.
 */
export class PromotionAnnouncer {
  constructor(private readonly options: AnnouncerOptions) {}

  get webhookUrl(): string | undefined {
    return this.options.webhookUrl || undefined;
  }

  async announce(promotion: PromotionRecord, opts: AnnounceOptions = {}): Promise<Announcement> {
    const log = opts.log ?? (() => undefined);
    const eventId = promotionCompletedEventId(promotion.id);
    const published = await this.options.publisher.publish(PROMOTION_COMPLETED, promotionCompletedPayload(promotion), {
      id: eventId,
      workspaceId: promotion.workspaceId,
      source: PROMOTION_EVENT_SOURCE,
    });
    log(published.duplicate ? `${PROMOTION_COMPLETED} ${eventId} was published before` : `published ${PROMOTION_COMPLETED} ${eventId}`);
    const url = this.webhookUrl;
    const webhookStatus = url && opts.webhook !== false ? await this.postWebhook(url, promotion, opts, log) : null;
    return { event_id: eventId, event_published: !published.duplicate, webhook_status: webhookStatus };
  }

  private async postWebhook(url: string, promotion: PromotionRecord, opts: AnnounceOptions, log: (line: string) => void): Promise<number> {
    const masked = maskUrl(url);
    const body = JSON.stringify({ event: PROMOTION_COMPLETED, promotion: presentPromotion(promotion) });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'MockOps-Pipelines',
      'x-mockops-event': PROMOTION_COMPLETED,
      'Idempotency-Key': promotionCompletedEventId(promotion.id),
      [TIMESTAMP_HEADER]: String(Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000)),
    };
    if (opts.secret) headers[SIGNATURE_HEADER] = signWebhookBody(body, opts.secret);
    log(`promotion webhook: POST ${masked}${opts.secret ? ' (signed)' : ` (unsigned: no ${PROMOTION_WEBHOOK_SECRET} secret)`}`);
    let res: Response;
    try {
      res = await egressFetch(url, {
        method: 'POST',
        headers,
        body,
        signal: opts.signal,
        timeoutMs: 10_000,
        allow: this.options.allow,
        redirect: 'manual',
        maxResponseBytes: 64 * 1024,
      });
      await res.arrayBuffer();
    } catch (e) {
      if (e instanceof EgressDeniedError) throw new PromotionWebhookError(`promotion webhook ${masked}: ${e.message}`, false);
      if (e instanceof EgressError) throw new PromotionWebhookError(`promotion webhook ${masked}: ${e.message}`, e.code !== 'EGRESS_INVALID_URL' && e.code !== 'EGRESS_CONFIG');
      throw new PromotionWebhookError(`promotion webhook ${masked}: ${(e as Error).message}`, true);
    }
    log(`promotion webhook: ${masked} answered ${res.status}`);
    if (!res.ok) {
      const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      throw new PromotionWebhookError(`promotion webhook ${masked} answered ${res.status}`, retryable);
    }
    return res.status;
  }
}
