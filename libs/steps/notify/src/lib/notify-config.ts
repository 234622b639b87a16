import { NOTIFY_TYPES, type NotifyType } from '@mockops/pipeline-core';
import { PermanentStepError } from '@mockops/worker-kit';

export type { NotifyConfig } from '@mockops/pipeline-core';

/** Fields each notify type owns; one type's field on another type is a mistake worth reporting. */
export const NOTIFY_TYPE_FIELDS: Record<NotifyType, readonly string[]> = {
  slack: ['slack_webhook_url', 'channels', 'username', 'icon_emoji'],
  email: ['email_to', 'subject', 'email_from', 'smtp_url'],
  webhook: ['webhook_url', 'webhook_secret', 'headers'],
};

export const NOTIFY_CONFIG_FIELDS: readonly string[] = [
  'type',
  'message',
  'timeout_seconds',
  'slack_webhook_url',
  'channels',
  'username',
  'icon_emoji',
  'email_to',
  'subject',
  'email_from',
  'smtp_url',
  'webhook_url',
  'webhook_secret',
  'headers',
];

export const DEFAULT_TIMEOUT_SECONDS = 10;
// Same bounds as pipeline-core's save-time validation.
export const MAX_TIMEOUT_SECONDS = 300;

/** The config checked and normalised: lists are lists, the message is text, the timeout is known. */
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

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$|^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/;

/**
 * Validates the rendered config. Every problem is listed in one PermanentStepError (code
 * NOTIFY_CONFIG_INVALID): a bad config never gets better by retrying.
 */
export function parseNotifyConfig(raw: unknown): ValidNotifyConfig {
  const problems: string[] = [];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(['config must be a mapping']);
  const c = raw as Record<string, unknown>;

  const unknown = Object.keys(c).filter((k) => !NOTIFY_CONFIG_FIELDS.includes(k));
  if (unknown.length) problems.push(`unknown field(s) ${unknown.join(', ')} (allowed: ${NOTIFY_CONFIG_FIELDS.join(', ')})`);

  const type = c['type'];
  if (!NOTIFY_TYPES.includes(type as NotifyType)) problems.push(`type must be one of ${NOTIFY_TYPES.join(', ')}`);

  const text = (key: string): string | undefined => {
    const v = c[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    // A message that is exactly one {{ }} may render to an object (native type): send it as JSON.
    if (key === 'message') return JSON.stringify(v);
    problems.push(`${key} must be a string`);
    return undefined;
  };
  const list = (key: string): string[] => {
    const v = c[key];
    if (v === undefined || v === null || v === '') return [];
    const items = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : null;
    if (!items || items.some((i) => typeof i !== 'string')) {
      problems.push(`${key} must be a list of strings`);
      return [];
    }
    return [...new Set((items as string[]).map((i) => i.trim()).filter(Boolean))];
  };

  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  if (c['timeout_seconds'] !== undefined && c['timeout_seconds'] !== null) {
    const n = Number(c['timeout_seconds']);
    if (!Number.isInteger(n) || n < 1 || n > MAX_TIMEOUT_SECONDS) problems.push(`timeout_seconds must be an integer from 1 to ${MAX_TIMEOUT_SECONDS}`);
    else timeoutSeconds = n;
  }

  const headers: Record<string, string> = {};
  const rawHeaders = c['headers'];
  if (rawHeaders !== undefined && rawHeaders !== null) {
    if (typeof rawHeaders !== 'object' || Array.isArray(rawHeaders)) problems.push('headers must be a mapping of header name to value');
    else {
      for (const [name, value] of Object.entries(rawHeaders)) {
        if (!HEADER_NAME.test(name)) problems.push(`headers: "${name}" is not a valid header name`);
        else if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') problems.push(`headers.${name} must be a string`);
        else if (/[\r\n]/.test(String(value))) problems.push(`headers.${name} must not contain line breaks`);
        else headers[name] = String(value);
      }
    }
  }

  const config: ValidNotifyConfig = {
    type: type as NotifyType,
    message: text('message') ?? '',
    timeoutMs: Math.round(timeoutSeconds * 1000),
    slackWebhookUrl: text('slack_webhook_url'),
    channels: list('channels'),
    username: text('username'),
    iconEmoji: text('icon_emoji'),
    emailTo: list('email_to'),
    subject: text('subject'),
    emailFrom: text('email_from'),
    smtpUrl: text('smtp_url'),
    webhookUrl: text('webhook_url'),
    webhookSecret: text('webhook_secret'),
    headers,
  };

  if (!config.message) problems.push('message is required');
  if (NOTIFY_TYPES.includes(config.type)) {
    const foreign = Object.entries(NOTIFY_TYPE_FIELDS)
      .filter(([t]) => t !== config.type)
      .flatMap(([t, fields]) => fields.filter((f) => c[f] !== undefined).map((f) => `${f} (${t} only)`));
    if (foreign.length) problems.push(`field(s) not used by a ${config.type} notify: ${foreign.join(', ')}`);
  }
  if (config.type === 'email') {
    if (config.emailTo.length === 0) problems.push('email_to is required for email (a list of addresses)');
    const bad = config.emailTo.filter((a) => !EMAIL.test(a));
    if (bad.length) problems.push(`email_to has invalid address(es): ${bad.join(', ')}`);
    if (config.emailFrom && !EMAIL.test(config.emailFrom)) problems.push('email_from is not a valid address');
  }
  if (config.type === 'webhook' && !config.webhookUrl) problems.push('webhook_url is required for webhook');

  if (problems.length) throw invalid(problems);
  return config;
}

function invalid(problems: string[]): PermanentStepError {
  return new PermanentStepError(`invalid notify config: ${problems.join('; ')}`, 'NOTIFY_CONFIG_INVALID');
}
