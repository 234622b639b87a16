import { defineStepType, f } from './schema';

export const NOTIFY_TYPES = ['slack', 'email', 'webhook'] as const;
export type NotifyType = (typeof NOTIFY_TYPES)[number];

/** `notify`: a Slack message, an email or a signed JSON webhook. */
export const notifyStepType = defineStepType({
  type: 'notify',
  summary: 'Sends a message: Slack incoming webhook (one post per channel), email over SMTP, or a signed JSON webhook.',
  retryPolicy: 'network',
  fields: {
    type: f.oneOf(NOTIFY_TYPES, 'notify type', 'Which kind of notification.').orTemplate().required(),
    message: f
      .text('The text to send. An object (a whole-value template) is sent as JSON.')
      .required()
      .coercing((v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v)),
    timeout_seconds: f.int(1, 300, 'Per-request timeout; default 10.').orTemplate(),
  },
  variants: {
    key: 'type',
    noun: 'notifications',
    of: {
      slack: {
        slack_webhook_url: f
          .url('Incoming webhook URL; the spec\'s placeholder "https://hooks.slack.com/services/..." (or none) means the SLACK_WEBHOOK_URL secret.')
          .orTemplate()
          .credential(),
        channels: f.textList('Channels to post to, one message each; none: the webhook\'s default channel.').orTemplate(),
        username: f.text('Display name of the post.'),
        icon_emoji: f.text('Icon of the post, e.g. :rocket:.'),
      },
      email: {
        email_to: f.emails('Recipients.').required(),
        subject: f.optionalText('Subject; default "MockOps: <pipeline>".'),
        email_from: f.email('Sender; default MOCKOPS_EMAIL_FROM or mockops@localhost.').orTemplate(),
        smtp_url: f.url('SMTP server (smtp:// or smtps://, credentials in the userinfo); none: the SMTP_URL secret.', ['smtp:', 'smtps:']).orTemplate().credential(),
      },
      webhook: {
        webhook_url: f.url('Where the JSON payload is POSTed.').orTemplate().required().credential(),
        webhook_secret: f.text('HMAC-SHA256 key for X-MockOps-Signature; none: the WEBHOOK_SECRET secret, else unsigned.').credential(),
        headers: f.headers('Extra request headers.').credential('map-values'),
      },
    },
  },
  boundCredentials: { SLACK_WEBHOOK_URL: 'slack_webhook_url', SMTP_URL: 'smtp_url', WEBHOOK_SECRET: 'webhook_secret' },
  example: { type: 'slack', channels: ['#devops'], message: 'Scenario {{event.scenario_name}} promoted' },
});
