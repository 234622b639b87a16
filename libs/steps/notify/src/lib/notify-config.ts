import type { NotifyConfig, NotifyType } from '@mockops/pipeline-core';

export type { NotifyConfig } from '@mockops/pipeline-core';

export const DEFAULT_TIMEOUT_SECONDS = 10;

/** The config as the senders use it: lists are lists without repeats, the timeout is known. */
export interface ValidNotifyConfig {
  type: NotifyType;
  message: string;
  timeoutMs: number;
  slackWebhookUrl?: string;
  channels: string[];
  username?: string;
  iconEmoji?: string;
  emailTo: string[];
  subject?: string;
  emailFrom?: string;
  smtpUrl?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  headers: Record<string, string>;
}

const list = (v: string[] | string | undefined): string[] =>
  [...new Set((typeof v === 'string' ? v.split(',') : (v ?? [])).map((i) => i.trim()).filter(Boolean))];

/**
 * Normalizes a notify config that pipeline-core's schema has checked (the worker base checks the
 * rendered config before the handler runs): defaults, lists without repeats, names for the senders.
 */
export function normalizeNotifyConfig(c: NotifyConfig): ValidNotifyConfig {
  return {
    type: c.type as NotifyType,
    message: c.message,
    timeoutMs: Math.round(Number(c.timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000),
    slackWebhookUrl: c.slack_webhook_url,
    channels: list(c.channels),
    username: c.username,
    iconEmoji: c.icon_emoji,
    emailTo: list(c.email_to),
    subject: c.subject,
    emailFrom: c.email_from,
    smtpUrl: c.smtp_url,
    webhookUrl: c.webhook_url,
    webhookSecret: c.webhook_secret,
    headers: c.headers ?? {},
  };
}
