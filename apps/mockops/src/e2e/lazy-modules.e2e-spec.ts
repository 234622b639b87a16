import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTestEnv, eventually, startMockopsProcess, startSmtpSink, type MockopsProcess, type SmtpSink, type TestEnv } from '@mockops/testing';

const PRELOAD = join(__dirname, 'fixtures', 'loaded-modules-preload.js');

/**
 * What the one-process app must not load at boot: each is only needed when a step of its type runs or
 * an admin page is opened, and loading it costs resident memory for the process's life (P7,
 * docs/performance.md). Matched against the files in the app's module cache.
 */
const LAZY: Record<string, RegExp> = {
  'nodemailer (notify: email)': /\/node_modules\/nodemailer\//,
  'Octokit (create_pr)': /\/node_modules\/(@octokit\/|bottleneck\/)/,
  'the create_pr GitHub client': /\/dist\/libs\/steps\/create-pr\/src\/lib\/github-client\.js$/,
  'the SDK generator (regenerate_sdk)': /\/dist\/libs\/sdk-generator\//,
  'the SDK generator\'s parsers': /\/node_modules\/(protobufjs|@apidevtools\/swagger-parser|ajv)\//,
  'Bull Board (/admin/queues)': /\/node_modules\/@bull-board\//,
};

function offenders(files: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [what, re] of Object.entries(LAZY)) {
    const hits = files.filter((f) => re.test(f));
    if (hits.length) out[what] = hits.slice(0, 3);
  }
  return out;
}

// The built one-process app (`node dist/apps/mockops/main.js`, as `npm start` runs it), asked for its
// loaded modules at boot and again after the lazily loaded pieces were used.
describe('the one-process app loads rarely used modules on first use, not at boot', () => {
  let env: TestEnv;
  let smtp: SmtpSink;
  let app: MockopsProcess;
  const out = `/tmp/mockops-loaded-modules-${process.pid}-${Date.now()}.json`;

  /** The files in the app's CommonJS module cache right now. */
  async function loadedModules(): Promise<string[]> {
    rmSync(out, { force: true });
    app.child.kill('SIGUSR2');
    await eventually(async () => existsSync(out), 'the app to list its modules', 10_000);
    return JSON.parse(readFileSync(out, 'utf8')) as string[];
  }

  beforeAll(async () => {
    smtp = await startSmtpSink();
    env = await createTestEnv();
    app = await startMockopsProcess('mockops', { ...env.env, NODE_OPTIONS: `--require ${PRELOAD}`, MOCKOPS_TEST_LOADED_MODULES_OUT: out });
  }, 90_000);

  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
    await env?.cleanup();
    rmSync(out, { force: true });
  });

  it('boots without the SDK generator, Octokit, nodemailer and Bull Board', async () => {
    // startMockopsProcess returned once /healthz answered: the app has listened, after every module,
    // step handler and background service started.
    const files = await loadedModules();
    // The listing sees what boot needs (so an empty list cannot pass), and every step type's handler.
    expect(files.some((f) => /\/node_modules\/bullmq\//.test(f))).toBe(true);
    for (const step of ['notify', 'create-pr', 'regenerate-sdk', 'auto-promote', 'http-request']) {
      expect({ step, loaded: files.some((f) => f.includes(`/dist/libs/steps/${step}/src/index.js`)) }).toEqual({ step, loaded: true });
    }
    expect(offenders(files)).toEqual({});
  });

  it('loads them when they are used: the queue dashboard, the OpenAPI document and an email', async () => {
    const board = await fetch(`${app.url}/admin/queues/api/queues`);
    expect(board.status).toBe(200);
    expect(((await board.json()) as { queues: unknown[] }).queues.length).toBeGreaterThan(0);
    const docs = await fetch(`${app.url}/api/docs-json`);
    expect(docs.status).toBe(200);
    expect(Object.keys(((await docs.json()) as { paths: object }).paths)).toContain('/api/v1/pipelines');

    const yaml = `name: lazy-email
definition:
  triggers:
    - event: scenario.published
  steps:
    - name: mail
      step_type: notify
      config: { type: email, email_to: ["team@example.test"], smtp_url: "${smtp.url}", subject: "published", message: "{{event.scenario_id}}" }
`;
    const created = await fetch(`${app.url}/api/v1/pipelines`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml });
    expect(created.status).toBe(201);
    // The matcher learns of the pipeline over pub/sub: post until a message arrives.
    let n = 0;
    await eventually(async () => {
      await fetch(`${app.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: `lazy-${n++}`, type: 'scenario.published', payload: { scenario_id: 'sc-lazy', scenario_name: 'lazy', version: '1', workspace_id: 'w' } }),
      });
      return smtp.messages.length > 0;
    }, 'the email to arrive', 30_000);

    const used = offenders(await loadedModules());
    expect(Object.keys(used).sort()).toEqual(['Bull Board (/admin/queues)', 'nodemailer (notify: email)']);
  });
});
