export * from './lib/notify.handler';
export * from './lib/notify-config';
export { buildWebhookPayload } from './lib/webhook.sender';
export type { WebhookPayload, WebhookOutputs } from './lib/webhook.sender';
export type { SlackOutputs } from './lib/slack.sender';
export type { EmailOutputs } from './lib/email.sender';
export { DEFAULT_EMAIL_FROM } from './lib/email.sender';
