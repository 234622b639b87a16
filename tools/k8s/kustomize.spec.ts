import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadAll } from 'js-yaml';
import { matchesLabels, parseImage, render, strategicMerge, type K8sObject } from './kustomize';

const repo = join(__dirname, '..', '..');

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kustomize-spec-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const find = (objects: K8sObject[], kind: string, name: string) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind} ${name} not rendered`);
  return o as any;
};

const deployment = (name: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, labels: { tier: ${name.startsWith('worker') ? 'worker' : 'api'} } }
spec:
  replicas: 2
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: main
          image: mockops:latest
          env: [{ name: A, value: "1" }, { name: C, value: "3" }]
          ports: [{ name: http, containerPort: 3000 }]
${extra}`;

// Every feature the manifests use, in one overlay → component → base chain.
const FIXTURE = {
  'base/kustomization.yaml': 'namespace: base-ns\nresources: [ns.yaml, api.yaml, worker.yaml, job.yaml]\n',
  'base/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: base-ns }\n',
  'base/api.yaml': deployment('api'),
  'base/worker.yaml': deployment('worker-a'),
  'base/job.yaml': `apiVersion: batch/v1
kind: Job
metadata: { name: migrate }
spec: { template: { spec: { restartPolicy: OnFailure, initContainers: [{ name: wait, image: "mockops:latest" }], containers: [{ name: m, image: "busybox:1.36" }] } } }
`,
  'component/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources: [scaler.yaml]
configMapGenerator:
  - name: dash
    files: [files/board.json, renamed.json=files/board.json]
    literals: [mode=prod]
    options: { disableNameSuffixHash: true, labels: { grafana_dashboard: "1" } }
patches:
  - target: { kind: Deployment, labelSelector: "tier in (worker)" }
    patch: |-
      - op: remove
        path: /spec/replicas
`,
  'component/scaler.yaml': 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: { name: worker-a }\nspec: { scaleTargetRef: { name: worker-a }, triggers: [{ type: cpu }, { type: prometheus }], extra: { keep: 1 } }\n',
  'component/files/board.json': '{"panels": []}\n',
  'overlay/kustomization.yaml': `namespace: prod
resources: [../base]
components: [../component]
labels:
  - pairs: { env: prod }
    includeTemplates: true
images:
  - { name: mockops, newName: registry.example.com:5000/mockops, newTag: "1.2.3" }
replicas:
  - { name: api, count: 5 }
patches:
  - path: api-patch.yaml
  - patch: |-
      apiVersion: keda.sh/v1alpha1
      kind: ScaledObject
      metadata: { name: worker-a }
      spec: { triggers: [{ type: memory }], extra: { added: 2 } }
  - target: { group: apps, version: v1, kind: Deployment, name: "worker-.*" }
    patch: |-
      - op: add
        path: /spec/template/metadata/annotations
        value: { scraped: "yes" }
`,
  'overlay/api-patch.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  template:
    spec:
      containers:
        - name: main
          env: [{ name: C, value: "33" }, { name: B, value: "2" }, { name: A, $patch: delete }]
          ports: [{ name: metrics, containerPort: 9464 }]
          resources: { requests: { cpu: 100m } }
        - name: sidecar
          image: other:1
      volumes: [{ name: tmp, emptyDir: {} }]
`,
};

describe('kustomize renderer', () => {
  let root: string;
  let out: K8sObject[];

  beforeAll(() => {
    root = tree(FIXTURE);
    out = render(join(root, 'overlay'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('renders base resources, component resources and generated ConfigMaps once each', () => {
    expect(out.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      ['ConfigMap/dash', 'Deployment/api', 'Deployment/worker-a', 'Job/migrate', 'Namespace/prod', 'ScaledObject/worker-a'].sort(),
    );
    expect(find(out, 'ConfigMap', 'dash').data).toEqual({ 'board.json': '{"panels": []}\n', 'renamed.json': '{"panels": []}\n', mode: 'prod' });
    expect(find(out, 'ConfigMap', 'dash').metadata.labels).toEqual({ grafana_dashboard: '1', env: 'prod' });
  });

  it('sets the namespace on namespaced objects and renames the Namespace object', () => {
    for (const o of out) {
      if (o.kind === 'Namespace') expect(o.metadata).toEqual({ name: 'prod', labels: { env: 'prod' } });
      else expect(o.metadata.namespace).toBe('prod');
    }
  });

  it('merges a strategic patch: lists by merge key, patch elements first, $patch: delete, new entries', () => {
    const api = find(out, 'Deployment', 'api');
    const [main, sidecar] = api.spec.template.spec.containers;
    expect(main.env).toEqual([
      { name: 'C', value: '33' },
      { name: 'B', value: '2' },
    ]);
    expect(main.ports).toEqual([
      { name: 'metrics', containerPort: 9464 },
      { name: 'http', containerPort: 3000 },
    ]);
    expect(main.resources).toEqual({ requests: { cpu: '100m' } });
    expect(sidecar).toEqual({ name: 'sidecar', image: 'other:1' });
    expect(api.spec.template.spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
  });

  it('replaces lists and merges maps in custom resources (no schema)', () => {
    const so = find(out, 'ScaledObject', 'worker-a');
    expect(so.spec.triggers).toEqual([{ type: 'memory' }]);
    expect(so.spec.extra).toEqual({ keep: 1, added: 2 });
  });

  it('applies JSON 6902 patches to the targets a label selector or a name pattern picks', () => {
    const worker = find(out, 'Deployment', 'worker-a');
    expect(worker.spec.replicas).toBeUndefined();
    expect(worker.spec.template.metadata.annotations).toEqual({ scraped: 'yes' });
    expect(find(out, 'Deployment', 'api').spec.template.metadata.annotations).toBeUndefined();
  });

  it('sets replicas, rewrites matching images in containers and initContainers, labels templates', () => {
    const api = find(out, 'Deployment', 'api');
    expect(api.spec.replicas).toBe(5);
    expect(api.spec.template.spec.containers.map((c: { image: string }) => c.image)).toEqual(['registry.example.com:5000/mockops:1.2.3', 'other:1']);
    const job = find(out, 'Job', 'migrate');
    expect(job.spec.template.spec.initContainers[0].image).toBe('registry.example.com:5000/mockops:1.2.3');
    expect(job.spec.template.spec.containers[0].image).toBe('busybox:1.36');
    expect(job.spec.template.metadata.labels).toEqual({ env: 'prod' });
    expect(api.spec.template.metadata.labels).toEqual({ app: 'api', env: 'prod' });
    expect(api.spec.selector).toEqual({ matchLabels: { app: 'api' } });
  });

  it('refuses what it does not implement or what kustomize refuses', () => {
    const broken = (files: Record<string, string>) => () => render(join(tree({ ...FIXTURE, ...files }), 'overlay'));
    expect(broken({ 'overlay/kustomization.yaml': 'resources: [../base]\ncommonLabels: { a: b }\n' })).toThrow(/unsupported field\(s\) commonLabels/);
    expect(broken({ 'overlay/kustomization.yaml': 'resources: [../base]\npatches: [{ path: ../base/api.yaml }]\n' })).toThrow(/outside the kustomization's directory/);
    expect(broken({ 'overlay/kustomization.yaml': 'resources: [../base]\nreplicas: [{ name: nope, count: 1 }]\n' })).toThrow(/no Deployment\/StatefulSet\/ReplicaSet named nope/);
    expect(broken({ 'overlay/kustomization.yaml': 'resources: [../base]\ncomponents: [../base]\n' })).toThrow(/is not a Component/);
    expect(broken({ 'overlay/kustomization.yaml': 'resources: [../base, ../base/../base]\n' })).toThrow(/already defined/);
    expect(
      broken({ 'overlay/kustomization.yaml': 'resources: [../base]\npatches: [{ target: { kind: Job }, patch: "- { op: remove, path: /spec/replicas }" }]\n' }),
    ).toThrow(/migrate/);
    expect(broken({ 'overlay/kustomization.yaml': 'resources: [../base]\npatches: [{ patch: "apiVersion: apps/v1\\nkind: Deployment\\nmetadata: { name: ghost }" }]\n' })).toThrow(/no resource matches Deployment ghost/);
    expect(broken({ 'component/kustomization.yaml': 'kind: Component\nconfigMapGenerator: [{ name: x, literals: [a=b] }]\n' })).toThrow(/disableNameSuffixHash/);
  });
});

describe('strategic merge', () => {
  it('deletes keys set to null and whole maps marked $patch: delete, replaces maps marked $patch: replace', () => {
    expect(strategicMerge({ a: 1, b: { c: 2, d: 3 } }, { a: null, b: { c: null, e: 4 } }, true)).toEqual({ b: { d: 3, e: 4 } });
    expect(strategicMerge({ a: { x: 1 }, b: 1 }, { a: { $patch: 'delete' } }, true)).toEqual({ b: 1 });
    expect(strategicMerge({ a: { x: 1, y: 2 } }, { a: { $patch: 'replace', z: 3 } }, true)).toEqual({ a: { z: 3 } });
  });

  it('merges Service ports on port and container ports on containerPort; other lists are replaced', () => {
    expect(strategicMerge({ ports: [{ port: 80, name: 'a' }] }, { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] }, true)).toEqual({
      ports: [{ port: 80, name: 'a', targetPort: 8080 }, { port: 443 }],
    });
    expect(strategicMerge({ args: ['a', 'b'] }, { args: ['c'] }, true)).toEqual({ args: ['c'] });
    expect(strategicMerge({ containers: [{ name: 'a', image: 'x' }] }, { containers: [{ name: 'b' }] }, false)).toEqual({ containers: [{ name: 'b' }] });
  });
});

describe('selectors and images', () => {
  it.each([
    ['a=b', { a: 'b' }, true],
    ['a==b', { a: 'c' }, false],
    ['a!=b', { a: 'c' }, true],
    ['a!=b', {}, true],
    ['a in (x, y)', { a: 'y' }, true],
    ['a in (x,y),b', { a: 'x' }, false],
    ['a notin (x)', { a: 'x' }, false],
    ['!a', { b: '1' }, true],
    ['a,b=2', { a: '1', b: '2' }, true],
  ])('%s on %j → %s', (selector, labels, expected) => {
    expect(matchesLabels(labels as Record<string, string>, selector)).toBe(expected);
  });

  it('splits image references, keeping a registry port in the name', () => {
    expect(parseImage('mockops:latest')).toEqual({ name: 'mockops', tag: 'latest', digest: undefined });
    expect(parseImage('registry.example.com:5000/team/mockops')).toEqual({ name: 'registry.example.com:5000/team/mockops', digest: undefined });
    expect(parseImage('r:5000/m:1@sha256:ab')).toEqual({ name: 'r:5000/m', tag: '1', digest: 'sha256:ab' });
  });
});

// The renderer against the real kustomize (kubectl's, v5): the same objects, field for field, for the
// fixture and every kustomization the repo deploys. Runs only where kubectl is installed.
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const hasKustomize5 = kubectl.status === 0 && /Kustomize Version: v5\./.test(kubectl.stdout);

(hasKustomize5 ? describe : describe.skip)('same output as `kubectl kustomize` (skipped without kubectl ≥ kustomize v5)', () => {
  const byId = (objects: K8sObject[]) =>
    Object.fromEntries(objects.map((o) => [`${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
  const kustomize = (dir: string) => {
    const res = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(res.stderr);
    return loadAll(res.stdout) as K8sObject[];
  };

  it('on the fixture', () => {
    const root = tree(FIXTURE);
    try {
      expect(byId(render(join(root, 'overlay')))).toEqual(byId(kustomize(join(root, 'overlay'))));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it.each(['k8s/base', 'k8s/overlays/dev', 'k8s/overlays/prod'])('on %s', (dir) => {
    expect(byId(render(join(repo, dir)))).toEqual(byId(kustomize(join(repo, dir))));
  });
});
