import type { EgressAllowList, EgressResolver } from '@mockops/egress';
import type { StepRunContext } from '@mockops/worker-kit';
import type { ValidNotifyConfig } from './notify-config';

/** What every sender gets: the run, the checked config and the handler's settings. */
export interface NotifySend {
  ctx: StepRunContext<unknown>;
  config: ValidNotifyConfig;
  /** Default sender of emails (MOCKOPS_EMAIL_FROM). */
  emailFrom?: string;
  allow: EgressAllowList;
  resolver?: EgressResolver;
  now: () => Date;
  excerptChars: number;
  /** Values that must never show up in an error, log line or output. */
  secrets: string[];
}

/**
 * The credential from config, else the secret of that name the pipeline may use (its workspace's
 * own, or the operator's for global pipelines and workspaces it was shared with) — never the process
 * environment directly, which would hand the operator's credential to any workspace.
 */
export async function pickCredential(send: Pick<NotifySend, 'ctx'>, fromConfig: string | undefined, name: string): Promise<string | undefined> {
  if (fromConfig) return fromConfig;
  return (await send.ctx.secret(name))?.value || undefined;
}

/** The parts of a URL that are credentials: the whole URL, the password, the path and the query. */
export function urlSecrets(url: string): string[] {
  const out = [url];
  try {
    const u = new URL(url);
    if (u.password) out.push(u.password, decodeURIComponent(u.password));
    if (u.username) out.push(decodeURIComponent(u.username));
    const segments = u.pathname.split('/').filter(Boolean);
    // The first segment is kept by maskUrl (e.g. "services"); everything after it can be a token.
    out.push(...segments.slice(segments.length > 1 ? 1 : 0));
    if (u.search) out.push(u.search.slice(1));
  } catch {
    // not a URL: the whole value is the secret
  }
  return out.filter((s) => s.length >= 4);
}
