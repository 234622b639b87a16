import { stepTypeDefinition } from './registry';

// The worker base checks every rendered config against its step type's schema before the handler
// runs (the same schema as at save time, now with rendered values); these are the refusals that used
// to be repeated in each step lib.
const check = (type: string, config: unknown) => stepTypeDefinition(type)!.check(config, [], { rendered: true });
const problems = (type: string, config: unknown) => check(type, config).issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);

describe('rendered configs: notify', () => {
  it('coerces what templates render to text: a comma list, a numeric timeout, an object message', () => {
    expect(check('notify', { type: 'email', email_to: 'a@x.test, b@x.test', message: 'hi', timeout_seconds: '5' })).toEqual({
      value: { type: 'email', email_to: ['a@x.test', 'b@x.test'], message: 'hi', timeout_seconds: 5 },
      issues: [],
    });
    expect(check('notify', { type: 'webhook', webhook_url: 'https://h.test/x', message: { a: 1 } }).value.message).toBe('{"a":1}');
  });

  it('lists every problem at once', () => {
    expect(problems('notify', { type: 'pager', message: '', colour: 'red', timeout_seconds: 0 })).toEqual(
      expect.arrayContaining([
        'colour: unknown key "colour"; allowed keys: type, message, timeout_seconds, slack_webhook_url, channels, username, icon_emoji, email_to, subject, email_from, smtp_url, webhook_url, webhook_secret, headers',
        'type: unknown notify type "pager"; expected one of slack, email, webhook',
        'message: must not be empty',
        'timeout_seconds: must be a whole number from 1 to 300',
      ]),
    );
  });

  it('requires what each type needs, and refuses bad addresses', () => {
    expect(problems('notify', { type: 'email', message: 'x' })).toEqual(['email_to: required']);
    expect(problems('notify', { type: 'email', message: 'x', email_to: ['not-an-address'] })).toEqual(['email_to: item 0: not an email address: "not-an-address"']);
    expect(problems('notify', { type: 'webhook', message: 'x' })).toEqual(['webhook_url: required']);
  });

  it("reports another type's fields", () => {
    expect(problems('notify', { type: 'slack', message: 'x', email_to: ['a@x.test'] })).toEqual(['email_to: "email_to" is an option of email notifications, not of type slack']);
  });

  it('refuses header names and values that would break the request', () => {
    expect(problems('notify', { type: 'webhook', message: 'x', webhook_url: 'https://h.test', headers: { 'bad name': 'v' } })).toEqual(['headers: "bad name" is not a valid header name']);
    expect(problems('notify', { type: 'webhook', message: 'x', webhook_url: 'https://h.test', headers: { 'X-A': 'a\r\nX-B: b' } })).toEqual([
      'headers: "X-A": a header value must not contain line breaks',
    ]);
  });

  it('treats a rendered "{{" as text, not as a template to let through', () => {
    expect(problems('notify', { type: 'webhook', message: 'x', webhook_url: '{{ not rendered }}' })).toEqual(['webhook_url: must be a URL; got "{{ not rendered }}"']);
  });

  it('refuses a config that is not a mapping', () => {
    expect(problems('notify', ['slack'])).toEqual(['config: must be a mapping, not a list']);
  });
});

describe('rendered configs: auto_promote', () => {
  const spec = { entity_type: 'scenario', entity_id: 'sc-1', from_environment: 'dev', to_environment: 'test' };

  it('reads flags rendered as text', () => {
    expect(check('auto_promote', { ...spec, entity_id: 42, require_approval: 'true' }).value).toMatchObject({ entity_id: 42, require_approval: true });
  });

  it('lists every problem at once', () => {
    expect(problems('auto_promote', { entity_type: 'workspace', entity_id: '', from_environment: 'dev', require_approval: 'yes', colour: 'red' })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^colour: unknown key "colour"/),
        'entity_type: unknown entity_type "workspace"; expected one of scenario, persona, config',
        'entity_id: must not be empty',
        'to_environment: required',
        'require_approval: must be true or false, not a string',
      ]),
    );
  });
});

describe('rendered configs: create_pr and regenerate_sdk', () => {
  it('refuses unknown options, a missing title, a bad operation and a missing content', () => {
    expect(
      problems('create_pr', { repository: 'https://github.com/o/r', branch: 'main', files: [{ path: 'y', operation: 'move' }, { path: 'z' }], extra: 1 }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^extra: unknown key "extra"/),
        'title: required',
        'files.0.operation: unknown operation "move"; expected one of create, update, delete',
        'files.1.content: required (unless operation is delete)',
      ]),
    );
    expect(problems('create_pr', { repository: 'https://github.com/o/r', branch: 'main', title: 't', files: 'drift-report.json' })).toEqual([
      'files: must be a list of files or a template such as "{{steps.x.outputs.files}}"',
    ]);
  });

  it('accepts object content once rendered (written as JSON), and base64 files', () => {
    const files = [{ path: 'r.json', content: { a: 1 } }, { path: 'b.bin', content: 'AAE=', encoding: 'base64' }];
    expect(check('create_pr', { repository: 'https://github.com/o/r', branch: 'main', title: 't', files }).issues).toEqual([]);
  });

  it('splits rendered language lists and refuses unknown languages', () => {
    expect(check('regenerate_sdk', { languages: 'typescript, Python', spec: 'x' }).value.languages).toEqual(['typescript', 'python']);
    expect(problems('regenerate_sdk', { languages: ['typescript', 'cobol'], colour: 'blue' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^colour: unknown key/), 'languages: unknown language "cobol"']),
    );
  });
});
