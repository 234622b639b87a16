import { SIGNATURE_HEADER, TIMESTAMP_HEADER, egressFetch, maskUrl, signWebhookBody } from '@mockops/egress';
import { scrubText as scrub } from '@mockops/worker-kit';
import { egressFailure, excerpt, httpFailure } from './notify-failures';
import { NotifySend, pickCredential, urlSecrets } from './notify-context';

export interface WebhookOutputs extends Record<string, unknown> {
  status: number;
  response_excerpt: string;
  webhook_url: string;
  signed: boolean;
}

/** The JSON body of a webhook notification. */
export interface WebhookPayload {
  event: {
    id: string;
    type: string;
    workspace_id: string | null;
    workspace_name: string | null;
    occurred_at: string;
    source: string | null;
    payload: unknown;
  };
  execution: { id: string; pipeline_id: string; pipeline_name: string; workspace_id: string | null };
  step: { name: string; attempt: number };
  message: string;
}

// Set by us; a step's `headers` cannot replace them (the receiver relies on them).
const RESERVED = new Set(['content-type', 'content-length', 'host', 'idempotency-key', SIGNATURE_HEADER.toLowerCase(), TIMESTAMP_HEADER.toLowerCase(), 'x-mockops-event']);

export function buildWebhookPayload(send: Pick<NotifySend, 'ctx' | 'config'>): WebhookPayload {
  const { ctx } = send;
  const e = ctx.event as unknown as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    event: {
      id: String(e['id'] ?? ''),
      type: String(e['type'] ?? ''),
      workspace_id: str(e['workspace_id']),
      workspace_name: str(e['workspace_name']),
      occurred_at: String(e['occurred_at'] ?? ''),
      source: str(e['source']),
      payload: e['payload'] ?? {},
    },
    execution: {
      id: ctx.execution.id,
      pipeline_id: ctx.execution.pipelineId,
      pipeline_name: ctx.execution.pipelineName,
      workspace_id: ctx.execution.workspaceId,
    },
    step: { name: ctx.step.name, attempt: ctx.step.attempt },
    message: send.config.message,
  };
}

/**
 * POSTs the notification as JSON, signed with HMAC-SHA256 of the raw body when a secret is set, with an
 * Idempotency-Key that stays the same across retries so the receiver can drop duplicates.
 */
export async function sendWebhook(send: NotifySend): Promise<WebhookOutputs> {
  const { ctx, config } = send;
  // The schema requires it for webhooks; the fallback keeps the type honest.
  const url = config.webhookUrl ?? '';
  const secret = await pickCredential({ ctx }, config.webhookSecret, 'WEBHOOK_SECRET');
  const secrets = [...send.secrets, ...urlSecrets(url), ...(secret ? [secret] : [])];
  const masked = maskUrl(url);
  const body = JSON.stringify(buildWebhookPayload(send));

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) if (!RESERVED.has(name.toLowerCase())) headers[name] = value;
  headers['content-type'] = 'application/json';
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'user-agent')) headers['user-agent'] = 'MockOps-Pipelines';
  headers['x-mockops-event'] = String((ctx.event as { type?: unknown }).type ?? '');
  headers[TIMESTAMP_HEADER] = String(Math.floor(send.now().getTime() / 1000));
  headers['Idempotency-Key'] = ctx.step.idempotencyKey;
  if (secret) headers[SIGNATURE_HEADER] = signWebhookBody(body, secret);

  ctx.log(`webhook: POST ${masked}${secret ? ' (signed)' : ' (unsigned: no webhook_secret or WEBHOOK_SECRET)'}`);
  const what = `webhook ${masked}`;
  let res: Response;
  let text: string;
  try {
    res = await egressFetch(url, {
      method: 'POST',
      headers,
      body,
      timeoutMs: config.timeoutMs,
      signal: ctx.signal,
      allow: send.allow,
      resolver: send.resolver,
      redirect: 'manual',
      maxResponseBytes: 1024 * 1024,
    });
    text = await res.text();
  } catch (e) {
    throw egressFailure(what, e, secrets);
  }
  const responseExcerpt = scrub(excerpt(text, send.excerptChars), secrets);
  if (!res.ok) {
    ctx.log(`webhook: ${masked} answered ${res.status}`);
    throw httpFailure(what, res.status, responseExcerpt, res.headers.get('retry-after'), send.now());
  }
  ctx.log(`webhook: ${masked} answered ${res.status}`);
  return { status: res.status, response_excerpt: responseExcerpt, webhook_url: masked, signed: Boolean(secret) };
}
