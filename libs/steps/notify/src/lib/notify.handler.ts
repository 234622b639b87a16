import { EgressAllowList, type EgressResolver } from '@mockops/egress';
import { PermanentStepError, StepHandler, StepResult, StepRunContext } from '@mockops/worker-kit';
import { sendEmail } from './email.sender';
import { normalizeNotifyConfig, type NotifyConfig, type ValidNotifyConfig } from './notify-config';
import { NotifySend, urlSecrets } from './notify-context';
import { sendSlack } from './slack.sender';
import { sendWebhook } from './webhook.sender';

/** What the notify step needs, given by whoever builds it (the runtime, from the config's sections). */
export interface NotifyDeps {
  /** Private hosts/addresses outbound calls may reach (MOCKOPS_EGRESS_ALLOW). */
  egressAllow?: EgressAllowList;
  /** DNS for outbound calls (tests). Default: the system resolver. */
  resolver?: EgressResolver;
  /** Default sender of emails (MOCKOPS_EMAIL_FROM). */
  emailFrom?: string;
  now?: () => Date;
  /** Length cap of response excerpts in outputs and errors. Default 500. */
  excerptChars?: number;
}

/**
 * The `notify` step: Slack incoming webhook, email over SMTP, or a signed JSON webhook. Every outbound
 * connection passes the egress guard; credentials never reach outputs, logs or errors. Default
 * credentials (SLACK_WEBHOOK_URL, SMTP_URL, WEBHOOK_SECRET) come from the secrets the run may use.
 */
export function createNotifyHandler(deps: NotifyDeps = {}): StepHandler<NotifyConfig> {
  const allow = deps.egressAllow ?? EgressAllowList.empty();
  return {
    stepType: 'notify',
    async run(ctx: StepRunContext<NotifyConfig>): Promise<StepResult> {
      const config = normalizeNotifyConfig(ctx.config);
      const send: NotifySend = {
        ctx: ctx as StepRunContext<unknown>,
        config,
        emailFrom: deps.emailFrom,
        allow,
        resolver: deps.resolver,
        now: deps.now ?? (() => new Date()),
        excerptChars: deps.excerptChars ?? 500,
        secrets: configSecrets(config),
      };
      switch (config.type) {
        case 'slack':
          return { outputs: await sendSlack(send) };
        case 'email':
          return { outputs: await sendEmail(send) };
        case 'webhook':
          return { outputs: await sendWebhook(send) };
        default:
          throw new PermanentStepError(`unknown notify type ${String(config.type)}`, 'CONFIG_INVALID');
      }
    },
  };
}

function configSecrets(config: ValidNotifyConfig): string[] {
  const out: string[] = [];
  for (const url of [config.slackWebhookUrl, config.smtpUrl, config.webhookUrl]) if (url) out.push(...urlSecrets(url));
  if (config.webhookSecret) out.push(config.webhookSecret);
  // Header values are often tokens (Authorization: Bearer ...).
  out.push(...Object.values(config.headers).filter((v) => v.length >= 8));
  return out;
}
