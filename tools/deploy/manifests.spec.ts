// The deployment files list every worker from one place (tools/deploy/workers.ts): this fails when one
// of them is not what `npm run generate` would write, and when a step type has no app or manifest entry.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { STEP_TYPES } from '@mockops/pipeline-core';
import { REPO, generatedFiles, renderAll, replaceBlock, workerAppName, workers } from './manifests';
import { WORKER_MANIFESTS } from './workers';

describe('generated deployment files', () => {
  it('are up to date (run `npm run generate` and commit the result)', () => {
    const stale = renderAll()
      .filter((f) => f.expected !== f.current)
      .map((f) => f.path);
    expect(stale).toEqual([]);
  });

  it('the check bites: a worker missing from a block, or an edited Deployment, is stale', () => {
    const compose = generatedFiles().find((f) => f.path === 'docker/docker-compose.yml')!;
    const current = readFileSync(join(REPO, compose.path), 'utf8');
    const without = current.replace(/ {2}worker-http-request:\n( {4}.*\n)+/, '');
    expect(without).not.toBe(current);
    expect(compose.render(without)).toBe(current);
    const deployment = generatedFiles().find((f) => f.path === 'k8s/base/worker-notify.yaml')!;
    expect(deployment.render(undefined)).toBe(readFileSync(join(REPO, 'k8s/base/worker-notify.yaml'), 'utf8'));
    expect(() => replaceBlock('x.yaml', 'a: 1\n', 'workers', '')).toThrow('x.yaml: no "@generated workers begin" … "end" block');
  });

  it('every step type of the registry has its manifest entry, its app and nothing else', () => {
    expect(Object.keys(WORKER_MANIFESTS).sort()).toEqual([...STEP_TYPES].sort());
    expect(workers().map((w) => w.app)).toEqual(Object.keys(WORKER_MANIFESTS).map(workerAppName));
    const apps = readdirSync(join(REPO, 'apps')).filter((a) => a.startsWith('worker-'));
    expect(apps.sort()).toEqual(STEP_TYPES.map(workerAppName).sort());
    for (const type of STEP_TYPES) {
      const main = join(REPO, 'apps', workerAppName(type), 'src', 'main.ts');
      expect({ type, main: existsSync(main) }).toEqual({ type, main: true });
      // The app runs that step type's handler, under its own name.
      expect(readFileSync(main, 'utf8')).toContain(`runService({ name: '${workerAppName(type)}', handlers: ['${type}']`);
    }
  });
});
