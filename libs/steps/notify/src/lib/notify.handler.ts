import { EgressAllowList, EgressError, EgressResolver, resolveAllowList } from '@mockops/egress';
import { PermanentStepError, StepHandler, StepResult, StepRunContext } from '@mockops/worker-kit';
import { sendEmail } from './email.sender';
import { normalizeNotifyConfig, type NotifyConfig, type ValidNotifyConfig } from './notify-config';
import { Env, NotifySend, urlSecrets } from './notify-context';
import { sendSlack } from './slack.sender';
import { sendWebhook } from './webhook.sender';

export interface NotifyHandlerOptions {
  /** Where env fallbacks (SLACK_WEBHOOK_URL, SMTP_URL, MOCKOPS_EMAIL_FROM) are read. Default process.env. */
  env?: Env;
  /** Hosts/addresses the guard lets through although private. Default: MOCKOPS_EGRESS_ALLOW of `env`. */
  egressAllow?: EgressAllowList | string;
  /** DNS for outbound calls (tests). Default: the system resolver. */
  resolver?: EgressResolver;
  now?: () => Date;
  /** Length cap of response excerpts in outputs and errors. Default 500. */
  excerptChars?: number;
}

/**
 * The `notify` step: Slack incoming webhook, email over SMTP, or a signed JSON webhook. Every outbound
 * connection passes the egress guard; credentials never reach outputs, logs or errors.
 */
export function createNotifyHandler(options: NotifyHandlerOptions = {}): StepHandler<NotifyConfig> {
  const env = options.env ?? process.env;
  return {
    stepType: 'notify',
    async run(ctx: StepRunContext<NotifyConfig>): Promise<StepResult> {
      const config = normalizeNotifyConfig(ctx.config);
      let allow: EgressAllowList;
      try {
        // Read per run so a changed allow list (tests, reconfiguration) needs no new handler.
        allow = options.egressAllow !== undefined ? resolveAllowList(options.egressAllow) : EgressAllowList.parse(env['MOCKOPS_EGRESS_ALLOW']);
      } catch (e) {
        throw new PermanentStepError((e as EgressError).message, 'NOTIFY_EGRESS_CONFIG');
      }
      const send: NotifySend = {
        ctx: ctx as StepRunContext<unknown>,
        config,
        env,
        allow,
        resolver: options.resolver,
        now: options.now ?? (() => new Date()),
        excerptChars: options.excerptChars ?? 500,
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
          throw new PermanentStepError(`unknown notify type ${String(config.type)}`, 'NOTIFY_CONFIG_INVALID');
      }
    },
  };
}

/** The default instance, configured from the process environment. */
export const notifyHandler: StepHandler<NotifyConfig> = createNotifyHandler();

function configSecrets(config: ValidNotifyConfig): string[] {
  const out: string[] = [];
  for (const url of [config.slackWebhookUrl, config.smtpUrl, config.webhookUrl]) if (url) out.push(...urlSecrets(url));
  if (config.webhookSecret) out.push(config.webhookSecret);
  // Header values are often tokens (Authorization: Bearer ...).
  out.push(...Object.values(config.headers).filter((v) => v.length >= 8));
  return out;
}
