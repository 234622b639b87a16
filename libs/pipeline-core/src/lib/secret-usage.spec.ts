import { parsePipeline } from './pipeline-parser';
import { checkSecretAccess, isCredentialField, matchSecretForm, secretUsage, type SecretScope } from './secret-usage';
import { sharedRenderer } from './template-renderer';

const usage = (stepType: string, config: unknown) => secretUsage(stepType, config, sharedRenderer());

function webhookPipeline(config: string, extra = ''): string {
  return `name: p
definition:
  triggers:
    - event: scenario.published
  steps:
    - name: hook
      step_type: notify
      config:
        type: webhook
        webhook_url: "https://hooks.example.com/in"
${config}${extra}`;
}

describe('secretUsage: secrets are opaque in templates', () => {
  it('allows a secret as the whole value of a credential field, or as the password of a URL credential', () => {
    const r = usage('notify', {
      type: 'webhook',
      webhook_url: '{{ secrets.HOOK_URL }}',
      webhook_secret: '{{secrets.SIGNING}}',
      headers: { Authorization: '{{ secrets.API_TOKEN }}' },
      message: 'hello {{ event.name }}',
    });
    expect(r.problems).toEqual([]);
    expect(r.refs.map((x) => [x.field, x.name, x.form])).toEqual([
      ['webhook_url', 'HOOK_URL', 'whole'],
      ['webhook_secret', 'SIGNING', 'whole'],
      ['headers.Authorization', 'API_TOKEN', 'whole'],
    ]);
    const smtp = usage('notify', { type: 'email', smtp_url: 'smtp://mailer:{{ secrets.SMTP_PASSWORD }}@mail.example.com:587', email_to: ['a@b.c'], message: 'm' });
    expect(smtp.refs).toEqual([expect.objectContaining({ field: 'smtp_url', name: 'SMTP_PASSWORD', form: 'url-password' })]);
  });

  it.each([
    ['plain in a message', { message: '{{ secrets.GITHUB_TOKEN }}' }, 'message'],
    ['base64_encode', { message: '{{ secrets.GITHUB_TOKEN | base64_encode }}' }, 'message'],
    ['upcase', { message: 'x {{ secrets.GITHUB_TOKEN | upcase }}' }, 'message'],
    ['split and join', { message: '{{ secrets.GITHUB_TOKEN | split: "" | join: " " }}' }, 'message'],
    ['assign', { message: '{% assign t = secrets.WEBHOOK_SECRET %}{{ t }}' }, 'message'],
    ['loop over all secrets', { message: '{% for s in secrets %}{{ s }}{% endfor %}' }, 'message'],
    ['dynamic name', { message: '{{ secrets[event.name] }}' }, 'message'],
    ['a filter in a credential field', { webhook_secret: '{{ secrets.X | downcase }}' }, 'webhook_secret'],
    ['text around it in a credential field', { webhook_secret: 'prefix-{{ secrets.X }}' }, 'webhook_secret'],
    ['a header value with text around it', { headers: { Authorization: 'Bearer {{ secrets.X | append: "" }}' } }, 'headers.Authorization'],
  ])('refuses %s', (_what, extra, field) => {
    const r = usage('notify', { type: 'webhook', webhook_url: 'https://x.example.com', message: 'm', ...extra });
    expect(r.refs).toEqual([]);
    expect(r.problems).toEqual([expect.objectContaining({ path: field.split('.') })]);
  });

  it("refuses secrets in a file's content and in every field of a step type without credential fields", () => {
    expect(usage('create_pr', { files: [{ path: 'a', content: '{{ secrets.GITHUB_TOKEN }}' }] }).problems).toHaveLength(1);
    expect(usage('regenerate_sdk', { spec_path: '{{ secrets.X }}' }).problems).toHaveLength(1);
    expect(usage('create_pr', { token: '{{ secrets.GITHUB_TOKEN }}' }).problems).toEqual([]);
  });

  it('knows which fields carry credentials and which forms name a secret', () => {
    expect(isCredentialField('notify', ['headers', 'X-Api-Key'])).toBe(true);
    expect(isCredentialField('notify', ['headers'])).toBe(false);
    expect(isCredentialField('notify', ['message'])).toBe(false);
    expect(matchSecretForm('{{- secrets.A -}}')).toMatchObject({ name: 'A', form: 'whole' });
    expect(matchSecretForm('https://u:{{ secrets.P }}@h/{{ secrets.Q }}')).toBeNull();
  });
});

describe('checkSecretAccess: who may use what', () => {
  const operator = new Set(['GITHUB_TOKEN', 'SLACK_WEBHOOK_URL', 'WEBHOOK_SECRET', 'DEPLOY_KEY']);
  const scope = (workspaceId: string | null, own: string[] = [], shared: string[] = []): SecretScope => ({
    workspaceId,
    workspaceSecretNames: new Set(own),
    operatorSecretNames: operator,
    sharedWithWorkspace: new Set(shared),
  });

  it("lets a workspace use its own secrets, whatever their name, and refuses the operator's unless shared", () => {
    expect(checkSecretAccess('notify', { name: 'MY_HOOK', field: 'webhook_url' }, scope('ws-a', ['MY_HOOK']))).toBeNull();
    expect(checkSecretAccess('create_pr', { name: 'GITHUB_TOKEN', field: 'token' }, scope('ws-a', ['GITHUB_TOKEN']))).toBeNull();
    expect(checkSecretAccess('create_pr', { name: 'GITHUB_TOKEN', field: 'token' }, scope('ws-b'))).toMatchObject({ severity: 'error', code: 'SECRET_NOT_ALLOWED' });
    expect(checkSecretAccess('create_pr', { name: 'GITHUB_TOKEN', field: 'token' }, scope('ws-b', [], ['GITHUB_TOKEN']))).toBeNull();
    expect(checkSecretAccess('notify', { name: 'MISSING', field: 'webhook_url' }, scope('ws-b'))).toMatchObject({ severity: 'warning', code: 'SECRET_NOT_SET' });
  });

  it("binds the operator's well-known credentials to their one field, for global pipelines too", () => {
    expect(checkSecretAccess('notify', { name: 'GITHUB_TOKEN', field: 'headers.Authorization' }, scope(null))).toMatchObject({ code: 'SECRET_MISUSED' });
    expect(checkSecretAccess('notify', { name: 'SLACK_WEBHOOK_URL', field: 'webhook_url' }, scope(null))).toMatchObject({ code: 'SECRET_MISUSED' });
    expect(checkSecretAccess('notify', { name: 'SLACK_WEBHOOK_URL', field: 'slack_webhook_url' }, scope(null))).toBeNull();
    expect(checkSecretAccess('notify', { name: 'DEPLOY_KEY', field: 'headers.X-Key' }, scope(null))).toBeNull();
  });
});

describe('parsePipeline: secret rules at save time, with positions', () => {
  it('refuses a secret in free text with its line and column', () => {
    const r = parsePipeline(webhookPipeline('        message: "{{ secrets.GITHUB_TOKEN | base64_encode }}"\n'));
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([expect.objectContaining({ code: 'SECRET_USAGE', path: 'definition.steps[0].config.message', line: 11, column: 18 })]);
  });

  it("with the owner's scope, refuses an operator credential not shared with the workspace", () => {
    const src = `name: p
definition:
  triggers:
    - event: drift.threshold_exceeded
  steps:
    - name: pr
      step_type: create_pr
      config:
        repository: https://github.com/org/repo
        branch: main
        title: t
        token: "{{ secrets.GITHUB_TOKEN }}"
        files: [{ path: a.txt, content: x }]
`;
    const secrets: SecretScope = { workspaceId: 'ws-b', workspaceSecretNames: new Set(), operatorSecretNames: new Set(['GITHUB_TOKEN']), sharedWithWorkspace: new Set() };
    const r = parsePipeline(src, { secrets });
    expect(r.errors).toEqual([expect.objectContaining({ code: 'SECRET_NOT_ALLOWED', line: 12, path: 'definition.steps[0].config.token' })]);
    expect(parsePipeline(src, { secrets: { ...secrets, workspaceSecretNames: new Set(['GITHUB_TOKEN']) } }).ok).toBe(true);
    expect(parsePipeline(src).ok).toBe(true);
  });
});
