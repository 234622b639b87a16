import { assertEgressAllowed, isIpLiteral, maskUrl } from '@mockops/egress';
import { PermanentStepError, TransientStepError, scrubText as scrub } from '@mockops/worker-kit';
import { egressFailure } from './notify-failures';
import { NotifySend, pickCredential, urlSecrets } from './notify-context';

export interface EmailOutputs extends Record<string, unknown> {
  message_id: string;
  accepted: string[];
  rejected: string[];
}

export const DEFAULT_EMAIL_FROM = 'mockops@localhost';

interface SmtpTarget {
  hostname: string;
  port: number;
  secure: boolean;
  user?: string;
  pass?: string;
  ignoreTLS: boolean;
  requireTLS: boolean;
  rejectUnauthorized: boolean;
}

/**
 * Sends the message as a plain-text email over SMTP (nodemailer). The SMTP host passes the egress
 * guard and the connection goes to the address that was checked, so DNS cannot swap it afterwards.
 * SMTP 5xx is permanent; 4xx and connection problems are transient.
 */
export async function sendEmail(send: NotifySend): Promise<EmailOutputs> {
  const { ctx, config } = send;
  const smtpUrl = await pickCredential(send, config.smtpUrl, 'SMTP_URL');
  if (!smtpUrl) {
    throw new PermanentStepError(
      'no SMTP server: set smtp_url in the step config, or an SMTP_URL secret available to this pipeline (a workspace\'s own, or the operator\'s for global pipelines and workspaces it is shared with)',
      'NOTIFY_NOT_CONFIGURED',
    );
  }
  const secrets = [...send.secrets, ...urlSecrets(smtpUrl)];
  const target = parseSmtpUrl(smtpUrl);
  const masked = maskUrl(smtpUrl);

  let address: string;
  try {
    const check = await assertEgressAllowed(smtpUrl, { allow: send.allow, resolver: send.resolver, protocols: ['smtp:', 'smtps:'] });
    address = check.addresses[0].address;
  } catch (e) {
    throw egressFailure(`SMTP server ${masked}`, e, secrets);
  }

  const servername = isIpLiteral(target.hostname) ? undefined : target.hostname;
  // Loaded on the first email, not at boot: most processes never send one (docs/performance.md, P7).
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: address,
    port: target.port,
    secure: target.secure,
    auth: target.user !== undefined ? { user: target.user, pass: target.pass ?? '' } : undefined,
    ignoreTLS: target.ignoreTLS,
    requireTLS: target.requireTLS,
    // Certificates are checked against the configured host name, not the pinned address.
    tls: { servername, rejectUnauthorized: target.rejectUnauthorized },
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    dnsTimeout: config.timeoutMs,
  });
  const abort = () => transport.close();
  ctx.signal.addEventListener('abort', abort, { once: true });

  const from = config.emailFrom || send.emailFrom || DEFAULT_EMAIL_FROM;
  const subject = config.subject || `[MockOps] ${ctx.execution.pipelineName}: ${ctx.step.name}`;
  ctx.log(`email: sending to ${config.emailTo.join(', ')} via ${masked}`);
  try {
    const info = await transport.sendMail({
      from,
      to: config.emailTo,
      subject,
      text: config.message,
      headers: { 'X-MockOps-Execution': ctx.execution.id },
      // A retry of the same step run sends the same Message-ID, so mail clients can drop duplicates.
      messageId: `<${ctx.step.idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '.')}@mockops>`,
    });
    const outputs: EmailOutputs = {
      message_id: info.messageId,
      accepted: info.accepted.map(addressText),
      rejected: info.rejected.map(addressText),
    };
    ctx.log(`email: accepted ${outputs.accepted.length}, rejected ${outputs.rejected.length} (${outputs.message_id})`);
    return outputs;
  } catch (e) {
    throw smtpFailure(e, masked, secrets, ctx.signal.aborted);
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    transport.close();
  }
}

export function parseSmtpUrl(url: string): SmtpTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PermanentStepError('smtp_url is not a valid URL (expected smtp://user:pass@host:587)', 'NOTIFY_CONFIG_INVALID');
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') {
    throw new PermanentStepError(`smtp_url must use smtp:// or smtps://, not ${u.protocol}//`, 'NOTIFY_CONFIG_INVALID');
  }
  const secure = u.protocol === 'smtps:' || flag(u, 'secure', false);
  return {
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    pass: u.password ? decodeURIComponent(u.password) : undefined,
    ignoreTLS: flag(u, 'ignoreTLS', false),
    requireTLS: flag(u, 'requireTLS', false),
    rejectUnauthorized: flag(u, 'rejectUnauthorized', true),
  };
}

function flag(u: URL, name: string, def: boolean): boolean {
  const v = u.searchParams.get(name);
  if (v === null) return def;
  return /^(1|true|yes|on)$/i.test(v);
}

function addressText(a: string | { address: string }): string {
  return typeof a === 'string' ? a : a.address;
}

function smtpFailure(e: unknown, masked: string, secrets: string[], aborted: boolean): Error {
  const err = e as Error & { responseCode?: number; code?: string; response?: string };
  const detail = scrub(err.response ?? err.message ?? String(e), secrets);
  if (aborted) return new TransientStepError(`SMTP server ${masked}: aborted`, 'NOTIFY_ABORTED');
  const code = err.responseCode;
  if (typeof code === 'number' && code >= 500) return new PermanentStepError(`SMTP server ${masked} refused the message (${code}): ${detail}`, 'NOTIFY_SMTP_REJECTED');
  if (typeof code === 'number' && code >= 400) return new TransientStepError(`SMTP server ${masked} deferred the message (${code}): ${detail}`, 'NOTIFY_SMTP_DEFERRED');
  // No recipients left or a malformed address: nothing a retry fixes.
  if (err.code === 'EENVELOPE' || err.code === 'EMESSAGE') return new PermanentStepError(`SMTP server ${masked}: ${detail}`, 'NOTIFY_SMTP_REJECTED');
  return new TransientStepError(`SMTP server ${masked} unreachable (${err.code ?? 'error'}): ${detail}`, 'NOTIFY_NETWORK');
}
