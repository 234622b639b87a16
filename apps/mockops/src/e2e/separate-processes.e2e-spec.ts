import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { STEP_TYPES } from '@mockops/pipeline-core';
import { createTestEnv, eventually, freePort, startHttpSink, webhookPipeline, type HttpSink, type TestEnv } from '@mockops/testing';

const root = join(__dirname, '..', '..', '..', '..');
// The gateway, the matcher and one worker per step type of the registry.
const APPS = ['gateway', 'trigger-matcher', ...STEP_TYPES.map((t) => `worker-${t.replace(/_/g, '-')}`)];

// The way Kubernetes runs it: every app built (by the integration tier's global setup) and started as
// its own process (`node dist/apps/<app>/main.js`), all booting at once against one database; an event posted to the gateway
// is matched by the matcher process and delivered by the notify worker process.
describe('every app as its own process, from the build', () => {
  let env: TestEnv;
  let hooks: HttpSink;
  let port: number;
  const children: { app: string; child: ChildProcess; output: string[] }[] = [];

  beforeAll(async () => {
    hooks = await startHttpSink();
    port = await freePort();
    env = await createTestEnv({ PORT: String(port), LOG_LEVEL: 'log' });
    for (const app of APPS) {
      const output: string[] = [];
      const child = spawn(process.execPath, [`dist/apps/${app}/main.js`], { cwd: root, env: { ...process.env, ...env.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d) => output.push(String(d)));
      child.stderr!.on('data', (d) => output.push(String(d)));
      children.push({ app, child, output });
    }
    await eventually(
      async () => {
        const dead = children.find((c) => c.child.exitCode !== null);
        if (dead) throw new Error(`${dead.app} exited: ${dead.output.join('')}`);
        return children.every((c) => c.output.join('').includes(`${c.app} started`));
      },
      'every app to start',
      60_000,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await hooks?.stop();
    await env?.cleanup();
  });

  it('an event posted to the gateway runs a pipeline on the worker processes', async () => {
    const api = `http://127.0.0.1:${port}/api/v1`;
    const yaml = webhookPipeline('split-deploy', `${hooks.url}/split`, '{{event.scenario_name}} published');
    const created = await fetch(`${api}/pipelines`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml });
    expect(created.status).toBe(201);
    const pipeline = (await created.json()) as { id: string };

    // The matcher process learns of the pipeline over pub/sub; post until an execution appears.
    let n = 0;
    const execution = await eventually(async () => {
      await fetch(`${api}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: `split-${n++}`, type: 'scenario.published', payload: { scenario_id: 'sc-9', scenario_name: 'split', version: '1', workspace_id: 'w' } }),
      });
      const list = (await (await fetch(`${api}/pipelines/${pipeline.id}/executions`)).json()) as { items: { id: string; status: string }[] };
      return list.items.find((e) => e.status === 'succeeded');
    }, 'an execution to succeed', 30_000);

    const detail = (await (await fetch(`${api}/executions/${execution.id}`)).json()) as { steps: { name: string; status: string }[] };
    expect(detail.steps).toEqual([expect.objectContaining({ name: 'hook', status: 'succeeded' })]);
    expect(hooks.requests.some((r) => (r.json as { message: string }).message === 'split published')).toBe(true);
  });
});
