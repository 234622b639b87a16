import type { PathSegment } from './diagnostics';
import { formatPath } from './diagnostics';
import { STEP_TYPE_DEFINITIONS } from './step-types/registry';
import type { TemplateRenderer } from './template-renderer';
import { isTemplate, isPlainObject } from './validation/checks';

/**
 * Secrets are opaque in templates. A `{{ secrets.NAME }}` may only be the *whole value* of a
 * credential field of its step type (or the password of a URL-valued credential field:
 * `smtp://user:{{ secrets.SMTP_PASSWORD }}@mail.example.com:587`). Anywhere else — free text, a
 * file's content, a filter (`| base64_encode`, `| upcase`, `| split`), an `assign`, a loop — it is
 * refused at save time with its position and again at run time. So no transform of a secret can
 * be produced, and the only places a secret value goes are the fields that exist to carry it.
 */

/** Config fields (dotted; `*` = any key of a mapping) that carry credentials, per step type (from its schema). */
export const CREDENTIAL_FIELDS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(STEP_TYPE_DEFINITIONS.map((d) => [d.type, d.credentialFields]));

/** Credential fields whose value is a URL: a secret may also be the password of its userinfo. */
export const URL_CREDENTIAL_FIELDS: ReadonlySet<string> = new Set(['slack_webhook_url', 'smtp_url', 'webhook_url']);

/**
 * The operator's well-known credentials and the one field each may fill, as the step types declare
 * them: the GitHub token is only ever create_pr's token (and then only towards the configured GitHub
 * API, checked by the step), the Slack webhook only a Slack notify's URL, and so on. Any other use is
 * refused, whoever the author is.
 */
export const BOUND_CREDENTIALS: Readonly<Record<string, { stepType: string; field: string }>> = Object.fromEntries(
  STEP_TYPE_DEFINITIONS.flatMap((d) => Object.entries(d.spec.boundCredentials ?? {}).map(([name, field]) => [name, { stepType: d.type, field }])),
);

export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const WHOLE = /^\s*\{\{-?\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}\s*$/;
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^\s:@/{}]*:)\{\{-?\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}(@.*)$/is;

export interface SecretReference {
  name: string;
  /** Config path of the field holding it (`token`, `headers.Authorization`). */
  field: string;
  fieldPath: PathSegment[];
  form: 'whole' | 'url-password';
}

export interface SecretUsageProblem {
  /** Path inside the step's config. */
  path: PathSegment[];
  message: string;
}

export function isCredentialField(stepType: string, field: PathSegment[]): boolean {
  const dotted = field.map(String).join('.');
  return (CREDENTIAL_FIELDS[stepType] ?? []).some((pattern) => {
    if (!pattern.endsWith('.*')) return pattern === dotted;
    const prefix = pattern.slice(0, -2);
    return field.length === prefix.split('.').length + 1 && dotted.startsWith(`${prefix}.`);
  });
}

/** The secret a whole-value or URL-password credential string names, with its form; null otherwise. */
export function matchSecretForm(value: string): { name: string; form: 'whole' | 'url-password'; prefix?: string; suffix?: string } | null {
  const whole = WHOLE.exec(value);
  if (whole) return { name: whole[1], form: 'whole' };
  const url = URL_PASSWORD.exec(value);
  if (url && !url[3].includes('secrets')) return { name: url[2], form: 'url-password', prefix: url[1], suffix: url[3] };
  return null;
}

const allowedList = (stepType: string) => (CREDENTIAL_FIELDS[stepType] ?? []).join(', ') || 'none for this step type';

/**
 * Where a step's config uses secrets, and every use that is not allowed. `renderer` lists the
 * variables each template reads (so `{% assign t = secrets.X %}` is caught like `{{ secrets.X }}`).
 */
export function secretUsage(stepType: string, config: unknown, renderer: Pick<TemplateRenderer, 'variablesOf'>): { refs: SecretReference[]; problems: SecretUsageProblem[] } {
  const refs: SecretReference[] = [];
  const problems: SecretUsageProblem[] = [];
  const walk = (v: unknown, path: PathSegment[]) => {
    if (isTemplate(v)) {
      let vars: ReturnType<TemplateRenderer['variablesOf']>;
      try {
        vars = renderer.variablesOf(v);
      } catch {
        return; // a syntax error, reported by the syntax check
      }
      const secretVars = vars.filter((x) => x.segments[0] === 'secrets');
      if (secretVars.length === 0) return;
      const field = formatPath(path);
      if (!isCredentialField(stepType, path)) {
        problems.push({
          path,
          message: `secrets may only be the whole value of a credential field (${stepType}: ${allowedList(stepType)}); "${field}" is not one, so a secret can never reach it`,
        });
        return;
      }
      const form = matchSecretForm(v);
      const urlField = URL_CREDENTIAL_FIELDS.has(field);
      if (!form || (form.form === 'url-password' && !urlField)) {
        problems.push({
          path,
          message: `a secret must be the whole value, with no filters or text around it: write ${field}: "{{ secrets.NAME }}"${urlField ? ' (or put it as the password of the URL: scheme://user:{{ secrets.NAME }}@host)' : ''}`,
        });
        return;
      }
      refs.push({ name: form.name, field, fieldPath: path, form: form.form });
    } else if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
    else if (isPlainObject(v)) for (const [k, item] of Object.entries(v)) walk(item, [...path, k]);
  };
  walk(config, []);
  return { refs, problems };
}

/**
 * Which secrets a pipeline may use. Workspace-owned pipelines: their workspace's secrets, plus the
 * operator credentials the operator shared with that workspace. Global pipelines: the operator's.
 */
export interface SecretScope {
  /** The pipeline's owner; null for a global (admin) pipeline. */
  workspaceId: string | null;
  /** Names defined in the owner's secret store; undefined when not known (no check for missing names). */
  workspaceSecretNames?: ReadonlySet<string>;
  /** Names of the operator's process-wide secrets (MOCKOPS_SECRET_*, GITHUB_TOKEN, ...). */
  operatorSecretNames: ReadonlySet<string>;
  /** Operator secrets shared with this workspace (MOCKOPS_SHARED_SECRETS). */
  sharedWithWorkspace: ReadonlySet<string>;
}

export type SecretAccessIssue = { severity: 'error' | 'warning'; code: 'SECRET_NOT_ALLOWED' | 'SECRET_MISUSED' | 'SECRET_NOT_SET'; message: string };

/**
 * Whether a step may use secret `name` in `field`: errors for an operator credential the workspace
 * was not given or a bound credential used outside its field; a warning for a name that is not set.
 */
export function checkSecretAccess(stepType: string, ref: Pick<SecretReference, 'name' | 'field'>, scope: SecretScope): SecretAccessIssue | null {
  const { name } = ref;
  const own = scope.workspaceId !== null && scope.workspaceSecretNames?.has(name);
  const bound = BOUND_CREDENTIALS[name];
  const operatorVisible = scope.workspaceId === null || scope.sharedWithWorkspace.has(name);
  if (!own && bound && scope.operatorSecretNames.has(name) && (bound.stepType !== stepType || bound.field !== ref.field)) {
    if (operatorVisible) {
      return { severity: 'error', code: 'SECRET_MISUSED', message: `${name} is the operator's credential for ${bound.stepType}.${bound.field} and may be used only there` };
    }
  }
  if (own) return null;
  if (scope.workspaceId !== null && scope.operatorSecretNames.has(name) && !scope.sharedWithWorkspace.has(name)) {
    return {
      severity: 'error',
      code: 'SECRET_NOT_ALLOWED',
      message: `${name} is an operator credential that is not shared with workspace ${scope.workspaceId}; set the workspace's own (mockforge secrets set ${name} --workspace ${scope.workspaceId})`,
    };
  }
  if (operatorVisible && scope.operatorSecretNames.has(name)) return null;
  if (scope.workspaceId === null) {
    return { severity: 'warning', code: 'SECRET_NOT_SET', message: `secret ${name} is not configured (MOCKOPS_SECRET_${name}); the step will fail until it is` };
  }
  if (scope.workspaceSecretNames === undefined) return null;
  return {
    severity: 'warning',
    code: 'SECRET_NOT_SET',
    message: `secret ${name} is not set in workspace ${scope.workspaceId}; the step will fail until it is (mockforge secrets set ${name} --workspace ${scope.workspaceId})`,
  };
}

/** Whether the operator shared credential `name` with workspace `workspaceId`. */
export function isSharedWith(shared: Record<string, string[] | '*'>, name: string, workspaceId: string): boolean {
  const with_ = shared[name];
  return with_ === '*' || (Array.isArray(with_) && with_.includes(workspaceId));
}
