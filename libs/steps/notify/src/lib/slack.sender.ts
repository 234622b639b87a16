import { egressFetch, maskUrl } from '@mockops/egress';
import { PermanentStepError, scrubText as scrub } from '@mockops/worker-kit';
import { egressFailure, excerpt, httpFailure } from './notify-failures';
import { NotifySend, pickCredential, urlSecrets } from './notify-context';

export interface SlackOutputs extends Record<string, unknown> {
  delivered: number;
  /** The channels posted to; empty when the webhook's own channel was used. */
  channels: string[];
  webhook_url: string;
}

// The spec's examples carry "https://hooks.slack.com/services/..." as a placeholder; treat it as
// "not given" so those examples run with the operator's SLACK_WEBHOOK_URL.
const PLACEHOLDER = /\.\.\.\/?$/;

/** The key of the step's progress listing the channels that got the message ('' = the webhook's own channel). */
export const SLACK_DELIVERED = 'slack_delivered';

/**
 * Posts the message to a Slack incoming webhook, once per channel (`channel` set on each payload), or
 * once to the webhook's default channel when no channels are given. Channels are posted in order and
 * each delivery is recorded in the step's progress before the next post, so a retry after a partial
 * failure posts only to the channels still missing (a channel is never posted to twice by one step
 * run, unless the worker dies between Slack's answer and the record: at least once, never a loop).
 */
export async function sendSlack(send: NotifySend): Promise<SlackOutputs> {
  const { ctx, config } = send;
  const given = config.slackWebhookUrl && !PLACEHOLDER.test(config.slackWebhookUrl) ? config.slackWebhookUrl : undefined;
  const url = await pickCredential(send, given, 'SLACK_WEBHOOK_URL');
  if (!url) {
    const why = config.slackWebhookUrl ? `slack_webhook_url is a placeholder (${maskUrl(config.slackWebhookUrl)})` : 'no slack_webhook_url in the step config';
    throw new PermanentStepError(
      `${why} and no SLACK_WEBHOOK_URL secret is available to this pipeline (a workspace's own, or the operator's for global pipelines and workspaces it is shared with)`,
      'NOTIFY_NOT_CONFIGURED',
    );
  }
  const secrets = [...send.secrets, ...urlSecrets(url)];
  const masked = maskUrl(url);
  const targets: Array<string | undefined> = config.channels.length ? config.channels : [undefined];
  const before = ctx.progress[SLACK_DELIVERED];
  const done = new Set<string>(Array.isArray(before) ? before.filter((c): c is string => typeof c === 'string') : []);
  const delivered: string[] = targets.filter((c): c is string => c !== undefined && done.has(c));
  if (done.size) ctx.log(`slack: already delivered by an earlier attempt to ${[...done].map((c) => c || 'the default channel').join(', ')}`);

  for (const channel of targets) {
    if (done.has(channel ?? '')) continue;
    const payload: Record<string, string> = { text: config.message };
    if (channel) payload['channel'] = channel;
    if (config.username) payload['username'] = config.username;
    if (config.iconEmoji) payload['icon_emoji'] = config.iconEmoji;
    const where = channel ?? 'the default channel';
    const what = `slack webhook ${masked}`;
    let res: Response;
    let body: string;
    try {
      res = await egressFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(payload),
        timeoutMs: config.timeoutMs,
        signal: ctx.signal,
        allow: send.allow,
        resolver: send.resolver,
        redirect: 'manual',
        maxResponseBytes: 64 * 1024,
      });
      body = await res.text();
    } catch (e) {
      throw withProgress(egressFailure(what, e, secrets), delivered);
    }
    if (!res.ok) {
      const err = httpFailure(`${what} (${where})`, res.status, scrub(excerpt(body, send.excerptChars), secrets), res.headers.get('retry-after'), send.now());
      ctx.log(scrub(`slack: ${where} failed with ${res.status}`, secrets));
      throw withProgress(err, delivered);
    }
    ctx.log(`slack: posted to ${where} via ${masked} (${res.status})`);
    if (channel) delivered.push(channel);
    done.add(channel ?? '');
    await ctx.saveProgress({ ...ctx.progress, [SLACK_DELIVERED]: [...done] });
  }
  return { delivered: targets.length, channels: delivered, webhook_url: masked };
}

function withProgress<E extends Error>(err: E, delivered: string[]): E {
  if (delivered.length) err.message = `${err.message} (already delivered to ${delivered.join(', ')})`;
  return err;
}
