import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestEnv, eventually, freePort, startHttpSink, uniqueSuffix, TEST_REDIS_URL, type HttpSink, type TestEnv } from '@mockops/testing';
import { browserAvailability, launchChromium, screenshotDir } from './browser';

const root = join(__dirname, '..', '..', '..', '..');
const ADMIN = 'admin-key-run-view-0001';
const TEAM = 'team-key-run-view-0002';
const WS = 'ws-e2e';
const availability = browserAvailability();
if (!availability.run) console.warn(`run view browser tests skipped: ${availability.reason}; set MOCKOPS_REQUIRE_BROWSER=1 to fail instead`);
const describeBrowser = availability.run ? describe : describe.skip;

function hookPipeline(name: string, url: string): string {
  return `name: ${name}
description: Tells the QA bot about every published scenario
definition:
  triggers:
    - event: scenario.published
  steps:
    - name: hook
      step_type: notify
      retries:
        max_attempts: 2
        backoff_seconds: 1
      config:
        type: webhook
        webhook_url: "${url}"
        message: "Scenario {{event.scenario_name}} v{{event.version}} published"
`;
}

function approvalPipeline(name: string, url: string): string {
  return `name: ${name}
definition:
  triggers:
    - event: scenario.published
      filters:
        scenario_name: needs-approval
  steps:
    - name: promote
      step_type: auto_promote
      config:
        entity_type: scenario
        entity_id: "{{event.scenario_id}}"
        from_environment: dev
        to_environment: test
        require_approval: true
    - name: report
      step_type: notify
      config:
        type: webhook
        webhook_url: "${url}"
        message: "{{event.scenario_id}} promoted to test"
`;
}

// The run view in a real browser (Debian's Chromium through playwright-core) against the real system:
// the one-process app built from this tree (gateway + matcher + workers) on the test Postgres and
// Redis, with an HTTP sink receiving the webhooks.
describeBrowser('the run view in a browser (real system, real Chromium)', () => {
  let env: TestEnv;
  let out: string;
  let app: ChildProcess;
  const appOutput: string[] = [];
  let hooks: HttpSink;
  let redis: Redis;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let shots: string;
  let hookPipelineId: string;
  let firstExecutionId: string;

  const api = async <T = any>(path: string, init: RequestInit = {}, key = ADMIN): Promise<T> => {
    const res = await fetch(`${base}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers ?? {}) } });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const publish = (payload: Record<string, unknown>) =>
    api<{ id: string }>('/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'scenario.published', workspace_id: WS, payload }) });
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const nav = (label: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  const row = (executionId: string) => page.locator(`tr[data-execution="${executionId}"]`);
  const waitForRowStatus = (executionId: string, status: string) =>
    page.locator(`tr[data-execution="${executionId}"][data-status="${status}"]`).waitFor({ timeout: 20_000 });

  beforeAll(async () => {
    const id = uniqueSuffix();
    out = join(root, 'tmp', `run-view-e2e-${id}`);
    // A build of its own, so that other tests building dist/ at the same time do not get in the way.
    execFileSync(process.execPath, ['tools/scripts/build.js', '--out', out], { cwd: root, stdio: 'ignore' });
    hooks = await startHttpSink();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = await createTestEnv({ PORT: String(port), LOG_LEVEL: 'log', MOCKOPS_API_KEYS: `${ADMIN}:admin,${TEAM}:ws=${WS}`, MOCKOPS_MATCHER_START: '$' });
    app = spawn(process.execPath, [join(out, 'apps', 'mockops', 'main.js')], { cwd: root, env: { ...process.env, ...env.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    app.stdout!.on('data', (d) => appOutput.push(String(d)));
    app.stderr!.on('data', (d) => appOutput.push(String(d)));
    await eventually(
      async () => {
        if (app.exitCode !== null) throw new Error(`mockops exited: ${appOutput.join('')}`);
        return appOutput.join('').includes(`web app: ${base}/`);
      },
      'the one-process app to serve the web app',
      60_000,
    );
    redis = new Redis(TEST_REDIS_URL);
    shots = screenshotDir(root);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
    page = await context.newPage();
    page.on('pageerror', (e) => appOutput.push(`page error: ${e.message}\n`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (app && app.exitCode === null) {
      await new Promise<void>((resolve) => {
        app.once('exit', () => resolve());
        app.kill('SIGTERM');
      });
    }
    redis?.disconnect();
    await hooks?.stop();
    await env?.cleanup();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('asks for an API key, refuses a wrong one and signs in', async () => {
    await page.goto(base);
    await page.getByLabel('API key').fill('not-a-key-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'refused' }).waitFor();
    await page.getByLabel('API key').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Pipelines' }).waitFor();
    await page.getByRole('status', { name: 'Live updates: live' }).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("mockops.apiKey")')).toBe(ADMIN);
    // Keyboard first: the first Tab lands on the skip link.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
  });

  it('publishes an event from the form and shows its execution appear and turn green live, without a reload', async () => {
    const created = await api<{ id: string }>(`/pipelines?workspace_id=${WS}`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: hookPipeline('qa-webhook', `${hooks.url}/qa`),
    });
    hookPipelineId = created.id;
    // The first delivery fails (503: retried after a 1 s backoff) and the second is held, so the
    // execution is seen running before it succeeds, and its timeline has a retry to show.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let calls = 0;
    hooks.respondWith(async () => {
      if (++calls === 1) return { status: 503, body: 'busy' };
      await held;
      return { status: 200, body: 'ok' };
    });

    await nav('Executions');
    // Marks this document: after a reload the mark would be gone.
    await page.evaluate('window.__sameDocument = true');
    await nav('Publish');
    await page.getByLabel('Event type').selectOption('scenario.published');
    await page.getByLabel('Workspace').fill(WS);
    const payload = page.getByLabel('Payload (JSON)');
    await payload.fill('{"scenario_name": "checkout"}');
    await page.getByText('scenario_id').first().waitFor();
    expect(await page.getByRole('button', { name: 'Publish' }).isDisabled()).toBe(true);
    await payload.fill(JSON.stringify({ scenario_id: 'sc-1', scenario_name: 'checkout', version: '3' }));
    await page.getByText('Valid scenario.published payload.').waitFor();
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published event' }).waitFor();
    await page.getByRole('link', { name: 'Watch its executions' }).click();

    const executionId = await eventually(async () => (await api<{ items: { id: string }[] }>(`/executions?pipeline_id=${hookPipelineId}`)).items[0]?.id, 'the execution');
    firstExecutionId = executionId;
    await row(executionId).waitFor();
    await hooks.waitFor(2, 20_000);
    await waitForRowStatus(executionId, 'running');
    await shot('executions-live-running');
    release();
    await waitForRowStatus(executionId, 'succeeded');

    // Another producer publishes while the list is open: the new run appears on its own.
    const other = await publish({ scenario_id: 'sc-2', scenario_name: 'refund', version: '1' });
    const second = await eventually(
      async () => (await api<{ items: { id: string; event_id: string }[] }>(`/executions?pipeline_id=${hookPipelineId}`)).items.find((e) => e.event_id === other.id)?.id,
      'the second execution',
    );
    await waitForRowStatus(second, 'succeeded');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    await shot('executions');
  });

  it('opens an execution: its timeline, and the webhook its step sent', async () => {
    await page.getByRole('link', { name: `Execution ${firstExecutionId}` }).click();
    await page.getByRole('heading', { name: /Execution/ }).waitFor();
    const bars = page.locator('li[data-step="hook"] [data-kind]');
    await bars.first().waitFor();
    // Queue wait, the failed first attempt, the backoff, the attempt that succeeded.
    expect(await bars.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual(['queued', 'failed-attempt', 'backoff', 'running']);
    await page.locator('li[data-step="hook"]').getByText('1 retry').waitFor();
    const hookStep = page.locator('details[data-step="hook"]');
    await hookStep.locator('summary').click();
    const outputs = await hookStep.getByLabel('Outputs of hook').textContent();
    // The URL's path is masked in outputs (it often carries a token); host and status are shown.
    expect(JSON.parse(outputs ?? '{}')).toMatchObject({ status: 200, webhook_url: expect.stringContaining(hooks.url) });
    const config = JSON.parse((await hookStep.getByLabel('Config of hook').textContent()) ?? '{}');
    expect(config).toMatchObject({ type: 'webhook', message: 'Scenario checkout v3 published' });
    expect(hooks.requests.map((r) => (r.json as { message?: string }).message)).toContain('Scenario checkout v3 published');
    await shot('execution-timeline');

    // A second revision, and its diff against the first on the pipeline page.
    await api(`/pipelines/${hookPipelineId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body: hookPipeline('qa-webhook', `${hooks.url}/qa`).replace('published"', 'published for QA"'),
    });
    await nav('Pipelines');
    await page.getByRole('link', { name: 'qa-webhook' }).click();
    const diff = page.getByRole('table', { name: 'Changes from revision 1 to 2' });
    await diff.locator('.diff-add').filter({ hasText: 'published for QA' }).waitFor();
    expect(await diff.locator('.diff-del').count()).toBe(1);
    await page.getByRole('img', { name: /Success rate and p50\/p95/ }).locator('canvas').waitFor();
    await page.getByLabel('Pipeline definition').getByText('qa-webhook').waitFor();
    await shot('pipeline');
  });

  it('shows a failed run and re-runs it from the page once the webhook works again', async () => {
    hooks.respondWith(() => ({ status: 400, body: 'no such channel' }));
    const event = await publish({ scenario_id: 'sc-3', scenario_name: 'broken', version: '1' });
    const failed = await eventually(
      async () => (await api<{ items: { id: string; event_id: string; status: string }[] }>(`/executions?pipeline_id=${hookPipelineId}`)).items.find((e) => e.event_id === event.id)?.id,
      'the failing execution',
    );
    await page.goto(`${base}/executions/${failed}`);
    await page.locator('h1 [data-status="failed"]').waitFor({ timeout: 20_000 });
    await page.locator('details[data-step="hook"]').getByRole('alert').filter({ hasText: '400' }).waitFor();
    expect(await page.locator('li[data-step="hook"] [data-kind="failed-attempt"]').count()).toBe(1);
    await shot('execution-failed');

    hooks.respondWith(() => ({ status: 200, body: 'ok' }));
    await page.getByRole('button', { name: 'Re-run' }).click();
    await page.locator('h1 [data-status="succeeded"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('dl.facts').getByText('Run').locator('..').locator('dd').textContent()).toBe('2');
  });

  it('approves a promotion that waits for approval, and shows where the version is', async () => {
    await api(`/pipelines?workspace_id=${WS}`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: approvalPipeline('promote-with-approval', `${hooks.url}/promoted`) });
    await nav('Approvals');
    await page.getByText('No promotion is waiting for approval.').waitFor();
    await publish({ scenario_id: 'sc-77', scenario_name: 'needs-approval', version: '7' });
    // The list refreshes when the step parks (a live notice), no reload.
    const card = page.locator('[data-promotion]').filter({ hasText: 'scenario sc-77 v7' });
    await card.waitFor({ timeout: 20_000 });
    await shot('approvals');
    await card.getByLabel('Comment (optional)').fill('QA signed off');
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.waitFor({ state: 'detached' });
    await page.locator(`[data-workspace="${WS}"] tr`).filter({ hasText: 'test' }).getByText('sc-77').waitFor();
    await hooks.waitFor(1, 20_000);
    await eventually(async () => hooks.requests.some((r) => (r.json as { message?: string }).message === 'sc-77 promoted to test'), 'the report webhook');
  });

  it('replays a dead letter after fixing it in the page', async () => {
    const eventId = `broken-${uniqueSuffix()}`;
    const broken = { id: eventId, type: 'scenario.published', workspace_id: WS, payload: { scenario_name: 'dead-then-alive', version: '1' } };
    await redis.xadd(env.config.events.stream, '*', 'event', JSON.stringify(broken));
    const dead = await eventually(
      async () => (await api<{ items: { id: string; event_id: string }[] }>('/dead-letters')).items.find((d) => d.event_id === eventId),
      'the entry to be dead-lettered',
    );
    await nav('Dead letters');
    const card = page.locator(`[data-dead-letter="${dead.id}"]`);
    await card.getByText('payload.scenario_id: required').waitFor();
    await card.getByRole('button', { name: 'Fix and replay…' }).click();
    const editor = card.getByLabel('Envelope to replay (edit to correct it)');
    await editor.fill(JSON.stringify({ ...broken, payload: { ...broken.payload, scenario_id: 'sc-dead' } }, null, 2));
    await shot('dead-letters');
    await card.getByRole('button', { name: 'Replay' }).click();
    await card.locator('[data-status="replayed"]').waitFor();
    await eventually(async () => hooks.requests.some((r) => (r.json as { message?: string }).message === 'Scenario dead-then-alive v1 published for QA'), 'the replayed event to run the pipeline');
    const again = await fetch(`${base}/api/v1/dead-letters/${dead.id}/replay`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(again.status).toBe(409);
  });

  it('fits a phone in the dark, and shows a scoped key only its workspace', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    await p.goto(base);
    await p.getByLabel('API key').fill(TEAM);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Pipelines' }).waitFor();
    await p.locator('tr[data-pipeline="qa-webhook"]').waitFor();
    // A global pipeline is not the team's to see.
    await api('/pipelines', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: hookPipeline('operators-only', `${hooks.url}/ops`) });
    await p.reload();
    await p.locator('tr[data-pipeline="qa-webhook"]').waitFor();
    expect(await p.locator('tr[data-pipeline="operators-only"]').count()).toBe(0);
    const width = await p.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await p.screenshot({ path: join(shots, 'phone-dark.png'), fullPage: true });
    await phone.close();
    expect(appOutput.join('')).not.toContain('page error');
  });
});
