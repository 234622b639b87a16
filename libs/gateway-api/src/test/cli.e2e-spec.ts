import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { entryFields } from '@mockops/event-stream';
import { specExamples, startTestGateway, type TestGateway } from './gateway-harness';
import { playFailedRun, seedExecution } from './seed';

// Each run starts a Node process that compiles the CLI's TypeScript; on a busy machine that takes seconds.
jest.setTimeout(180_000);

const ROOT = resolve(__dirname, '../../../..');
const BIN = join(ROOT, 'apps/cli/bin/mockforge.js');
const KEY = 'cli-test-admin-key-42';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `mockforge` as a user would, against the test gateway; `onStderr` sees progress as it comes. */
function mockforge(gw: TestGateway, args: string[], opts: { key?: string | null; onStderr?: (text: string) => void } = {}): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, MOCKFORGE_API_URL: gw.url, MOCKFORGE_API_KEY: opts.key === null ? '' : (opts.key ?? KEY) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('mockforge CLI against a running gateway', () => {
  let gw: TestGateway;
  const tmp = mkdtempSync(join(tmpdir(), 'mockforge-cli-'));

  beforeAll(async () => {
    gw = await startTestGateway({ apiKeys: `${KEY}:admin` });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('creates every spec example from its file, lists them, disables and enables one', async () => {
    const ids: Record<string, string> = {};
    for (const example of specExamples()) {
      const run = await mockforge(gw, ['pipelines', 'create', example.path, '--workspace', 'workspace-123', '-o', 'json']);
      expect({ file: example.file, code: run.code, stderr: run.stderr }).toEqual({ file: example.file, code: 0, stderr: '' });
      const created = JSON.parse(run.stdout);
      expect(created).toMatchObject({ name: example.name, workspace_id: 'workspace-123', enabled: true });
      ids[example.name] = created.id;
    }

    const table = await mockforge(gw, ['pipelines', 'list', '--workspace', 'workspace-123']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+WORKSPACE\s+ENABLED\s+REVISION\s+UPDATED$/);
    expect(lines).toHaveLength(1 + specExamples().length);
    // Aligned: every row starts its NAME column where the header does.
    const nameAt = lines[0].indexOf('NAME');
    for (const [name, id] of Object.entries(ids)) {
      const row = lines.find((l) => l.startsWith(id))!;
      expect(row.indexOf(name)).toBe(nameAt);
    }

    const drift = ids['drift-gitops-pr'];
    const disabled = await mockforge(gw, ['pipelines', 'disable', drift]);
    expect(disabled).toMatchObject({ code: 0, stdout: `Pipeline drift-gitops-pr (${drift}) disabled\n` });
    const enabledOnly = JSON.parse((await mockforge(gw, ['pipelines', 'list', '--enabled', '-o', 'json'])).stdout);
    expect(enabledOnly.items.map((p: any) => p.name)).not.toContain('drift-gitops-pr');
    expect(enabledOnly.items).toHaveLength(specExamples().length - 1);
    expect((await mockforge(gw, ['pipelines', 'enable', drift])).code).toBe(0);
    expect((await gw.store.getPipeline(drift))!.enabled).toBe(true);
  });

  it("prints the server's error and details, exit code 1, no stack trace", async () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, 'name: bad\ndefinition:\n  triggers:\n    - event: schema.changed\n  steps:\n    - name: x\n      step_type: teleport\n      config: {}\n');
    const run = await mockforge(gw, ['pipelines', 'create', file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Error: pipeline is invalid: /);
    expect(run.stderr).toContain('  - definition.steps[0].step_type: line 7 col');
    expect(run.stderr).not.toMatch(/\n\s+at /);

    const missing = await mockforge(gw, ['pipelines', 'get', '5b1c7d2e-1111-4222-8333-944455556666']);
    expect(missing).toMatchObject({ code: 1, stderr: 'Error: pipeline 5b1c7d2e-1111-4222-8333-944455556666 not found\n' });

    const unauthorized = await mockforge(gw, ['pipelines', 'list'], { key: 'wrong-key-123456' });
    expect(unauthorized).toMatchObject({ code: 1, stderr: 'Error: invalid API key\n' });
  });

  it('exits 2 on usage errors', async () => {
    expect((await mockforge(gw, ['pipelines', 'create'])).code).toBe(2);
    expect((await mockforge(gw, ['events', 'publish', '--type', 'x', '--data', 'not json'])).code).toBe(2);
    expect((await mockforge(gw, ['pipelines', 'executions', 'p', '--limit', 'many'])).code).toBe(2);
  });

  it('validates offline, printing file:line:col: path: message', async () => {
    const file = join(tmp, 'invalid.yaml');
    writeFileSync(file, 'name: v\ndefinition:\n  triggers:\n    - event: schema.changed\n  steps:\n    - name: gen\n      step_type: regenerate_sdk\n      config:\n        languages: ["cobol"]\n');
    const run = await mockforge(gw, ['pipelines', 'validate', file], { key: null });
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(`${file}:9:9: definition.steps[0].config.languages: unknown language "cobol"`);
    const ok = await mockforge(gw, ['pipelines', 'validate', specExamples()[0].path]);
    expect(ok).toMatchObject({ code: 0, stdout: `${specExamples()[0].path}: valid\n` });
  });

  it('publishes an event that lands on the stream; the same id twice is reported as a duplicate', async () => {
    const data = join(tmp, 'event.json');
    writeFileSync(data, JSON.stringify({ scenario_id: 'sc-9', scenario_name: 'refunds', version: '2', workspace_id: 'workspace-123' }));
    const args = ['events', 'publish', '--type', 'scenario.published', '--workspace', 'workspace-123', '--id', 'cli-evt-1', '--data', `@${data}`];
    expect(await mockforge(gw, args)).toMatchObject({ code: 0, stdout: 'Published event cli-evt-1\n' });
    expect(await mockforge(gw, args)).toMatchObject({ code: 0, stdout: 'Event cli-evt-1 was already published; nothing sent\n' });
    const inline = await mockforge(gw, ['events', 'publish', '--type', 'custom.ping', '--data', '{"n": 1}', '-o', 'json']);
    const inlineId = JSON.parse(inline.stdout).id;

    const events = (await gw.redis.xrange(gw.stream, '-', '+')).map(([, f]) => JSON.parse(entryFields(f).event));
    expect(events.filter((e) => e.id === 'cli-evt-1')).toEqual([
      expect.objectContaining({ type: 'scenario.published', workspace_id: 'workspace-123', payload: expect.objectContaining({ scenario_name: 'refunds' }) }),
    ]);
    expect(events).toContainEqual(expect.objectContaining({ id: inlineId, type: 'custom.ping', payload: { n: 1 } }));
  });

  it("shows executions and an execution's steps as a table, in the long and the short forms", async () => {
    const example = specExamples().find((e) => e.name === 'auto-promote-to-test')!;
    const created = await gw.store.listPipelines({ workspaceId: 'workspace-123' });
    const pipeline = created.items.find((p) => p.name === example.name)!;
    const execution = await seedExecution(gw.store, pipeline);
    await playFailedRun(gw.store, execution.id, ['auto_promote', 'notify_team']);

    const list = await mockforge(gw, ['executions', pipeline.id]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+STATUS\s+EVENT\s+QUEUED\s+DURATION\s+ERROR\n/);
    expect(list.stdout).toContain(execution.id);

    const detail = await mockforge(gw, ['pipelines', 'execution', execution.id]);
    expect(detail.code).toBe(0);
    expect(detail.stdout).toMatch(/^Execution:\s+\S+\n/);
    expect(detail.stdout).toMatch(/Status:\s+failed/);
    const table = detail.stdout.split('\n\n')[1].trimEnd().split('\n');
    expect(table[0]).toMatch(/^STEP\s+TYPE\s+STATUS\s+ATTEMPTS\s+DURATION\s+ERROR$/);
    expect(table[1]).toMatch(/^auto_promote\s+auto_promote\s+succeeded\s+1\/3\s+\d+(ms|\.\d+s)\s+-$/);
    expect(table[2]).toMatch(/^notify_team\s+notify\s+failed\s+1\/3\s+\S+\s+Slack answered 404 no_service$/);

    const short = await mockforge(gw, ['execution', execution.id, '-o', 'json']);
    expect(JSON.parse(short.stdout)).toMatchObject({ id: execution.id, status: 'failed', steps: [{ status: 'succeeded' }, { status: 'failed' }] });
  });

  it('--wait follows a running execution until it ends, showing progress', async () => {
    const pipeline = (await gw.store.listPipelines({ workspaceId: 'workspace-123' })).items.find((p) => p.name === 'auto-promote-to-test')!;
    const execution = await seedExecution(gw.store, pipeline);
    let played: Promise<void> | undefined;
    const run = await mockforge(gw, ['pipelines', 'execution', execution.id, '--wait', '--interval', '50'], {
      // Once the CLI has seen the queued execution, the "workers" run it.
      onStderr: (text) => {
        if (!played && text.includes(': queued')) played = playFailedRun(gw.store, execution.id, ['auto_promote', 'notify_team']);
      },
    });
    await played;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`execution ${execution.id}: queued`);
    expect(run.stderr).toMatch(/notify_team: failed.*Slack answered 404/);
    expect(run.stderr).toContain(`execution ${execution.id}: failed`);
    expect(run.stdout).toMatch(/Status:\s+failed/);
  });
});
