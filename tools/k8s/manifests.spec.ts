// The Kubernetes manifests, rendered as they are deployed (base, dev, prod, and prod with the HPA
// components instead of KEDA), validated offline against the Kubernetes/KEDA/prometheus-operator
// schemas, plus the properties that matter in operation. The dashboard's and alert rules' PromQL
// is checked against the metric contract (docs/metrics.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { STEP_TYPES } from '@mockops/pipeline-core';
import { workerAppName } from '../deploy/manifests';
import { matchesLabels, render, type K8sObject } from './kustomize';
import { REGISTRY_SETS, fromGrafana, parseMetricsDoc, promqlProblems } from './promql';
import { schemaProblems } from './schemas';

const repo = join(__dirname, '..', '..');
const k8s = (p: string) => join(repo, 'k8s', p);
const metrics = parseMetricsDoc(readFileSync(join(repo, 'docs', 'metrics.md'), 'utf8'), REGISTRY_SETS);

const VARIANTS: Record<string, () => K8sObject[]> = {
  base: () => render(k8s('base')),
  dev: () => render(k8s('overlays/dev')),
  prod: () => render(k8s('overlays/prod')),
  // What docs/scaling.md tells clusters without KEDA to do.
  'prod-hpa': () =>
    render(k8s('overlays/prod'), (k) => ({
      ...k,
      components: (k.components ?? []).flatMap((c) => (c.endsWith('/keda') ? ['../../components/hpa', '../../components/hpa-queue-metrics'] : [c])),
    })),
};
const rendered = Object.fromEntries(Object.entries(VARIANTS).map(([name, build]) => [name, build()]));

type Any = any;
const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind) as Any[];
const podTemplates = (objects: K8sObject[]) =>
  objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Job').map((o: Any) => ({ owner: o as Any, template: o.spec.template }));
const isWorker = (d: Any) => d.metadata.name.startsWith('worker-');
/** worker-regenerate-sdk → step-regenerate-sdk (the BullMQ queue it consumes). */
const queueOf = (d: Any) => d.metadata.name.replace(/^worker-/, 'step-');

/** CPU in millicores, memory in bytes. */
function quantity(q: string | number): number {
  const s = String(q);
  const units: Record<string, number> = { m: 1e-3, '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 };
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|k|M|G)?$/.exec(s);
  if (!m) throw new Error(`cannot read quantity ${s}`);
  return Number(m[1]) * units[m[2] ?? ''];
}

describe.each(Object.keys(VARIANTS))('k8s %s', (variant) => {
  const objects = rendered[variant];
  const deployments = ofKind(objects, 'Deployment');

  it('renders the namespace, config, migrate Job, gateway, matcher, a worker per step type, PDBs and NetworkPolicies', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['gateway', 'trigger-matcher', ...STEP_TYPES.map(workerAppName)].sort());
    expect(deployments.map((d) => d.metadata.name)).toEqual(expect.arrayContaining(['worker-auto-promote', 'worker-create-pr', 'worker-notify', 'worker-regenerate-sdk', 'worker-http-request']));
    expect(ofKind(objects, 'Job').map((j) => j.metadata.name)).toEqual(['mockops-migrate']);
    expect(ofKind(objects, 'Namespace')).toHaveLength(1);
    expect(ofKind(objects, 'NetworkPolicy').length).toBeGreaterThan(0);
  });

  it('every object is valid against its Kubernetes, KEDA or prometheus-operator schema', () => {
    expect(objects.flatMap(schemaProblems)).toEqual([]);
  });

  it('every namespaced object is in the namespace the Namespace object creates', () => {
    const [ns] = ofKind(objects, 'Namespace');
    expect(objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== ns.metadata.name)).toEqual([]);
  });

  it('every container has CPU and memory requests and limits, requests within limits', () => {
    for (const { owner, template } of podTemplates(objects)) {
      for (const c of template.spec.containers) {
        const where = `${owner.kind}/${owner.metadata.name}/${c.name}`;
        for (const r of ['cpu', 'memory']) {
          expect({ where, r, request: c.resources?.requests?.[r] !== undefined, limit: c.resources?.limits?.[r] !== undefined }).toEqual({ where, r, request: true, limit: true });
          expect({ where, r, within: quantity(c.resources.requests[r]) <= quantity(c.resources.limits[r]) }).toEqual({ where, r, within: true });
        }
      }
    }
  });

  it('every Deployment has startup, liveness and readiness probes on a port it declares', () => {
    for (const d of deployments) {
      for (const c of d.spec.template.spec.containers) {
        const ports = (c.ports ?? []).map((p: Any) => p.name);
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
          expect({ d: d.metadata.name, probe, port: ports.includes(c[probe]?.httpGet?.port) }).toEqual({ d: d.metadata.name, probe, port: true });
        }
      }
    }
  });

  it('the scrape annotations name the port the metrics are served on (docs/metrics.md)', () => {
    for (const d of deployments) {
      const c = d.spec.template.spec.containers[0];
      const annotations = d.spec.template.metadata.annotations ?? {};
      expect(annotations['prometheus.io/scrape']).toBe('true');
      expect(annotations['prometheus.io/path']).toBe('/metrics');
      const env = Object.fromEntries((c.env ?? []).map((e: Any) => [e.name, e.value]));
      const port = (name: string) => c.ports.find((p: Any) => p.name === name)?.containerPort;
      if (d.metadata.name === 'gateway') {
        expect(annotations['prometheus.io/port']).toBe(String(port('http')));
        expect(env.PORT).toBe(String(port('http')));
      } else {
        expect({ d: d.metadata.name, annotation: annotations['prometheus.io/port'], env: env.MOCKOPS_METRICS_PORT }).toEqual({
          d: d.metadata.name,
          annotation: String(port('metrics')),
          env: String(port('metrics')),
        });
      }
    }
  });

  it('every Deployment has exactly one PodDisruptionBudget, and every PDB selects exactly one Deployment', () => {
    const pdbs = ofKind(objects, 'PodDisruptionBudget');
    const selected = (pdb: Any) => deployments.filter((d) => Object.entries(pdb.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
    for (const pdb of pdbs) expect({ pdb: pdb.metadata.name, n: selected(pdb).length }).toEqual({ pdb: pdb.metadata.name, n: 1 });
    for (const d of deployments) expect({ d: d.metadata.name, n: pdbs.filter((p) => selected(p).includes(d)).length }).toEqual({ d: d.metadata.name, n: 1 });
  });

  it('every Service selects pods that exist and targets a port they declare', () => {
    for (const s of ofKind(objects, 'Service')) {
      const pods = podTemplates(objects).filter(({ template }) => Object.entries(s.spec.selector).every(([k, v]) => template.metadata.labels[k] === v));
      expect({ s: s.metadata.name, pods: pods.length > 0 }).toEqual({ s: s.metadata.name, pods: true });
      for (const p of s.spec.ports) {
        const declared = pods.every(({ template }) => template.spec.containers.some((c: Any) => (c.ports ?? []).some((cp: Any) => cp.name === p.targetPort || cp.containerPort === p.targetPort)));
        expect({ s: s.metadata.name, port: p.name, declared }).toEqual({ s: s.metadata.name, port: p.name, declared: true });
      }
    }
  });

  describe('NetworkPolicy', () => {
    const policies = ofKind(objects, 'NetworkPolicy');
    const selecting = (labels: Record<string, string>) =>
      policies.filter((p) => {
        const sel = p.spec.podSelector;
        const exprs = (sel.matchExpressions ?? []).map((e: Any) =>
          e.operator === 'In' ? `${e.key} in (${e.values.join(',')})` : e.operator === 'NotIn' ? `${e.key} notin (${e.values.join(',')})` : e.operator === 'Exists' ? e.key : `!${e.key}`,
        );
        const eq = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
        return matchesLabels(labels, [...eq, ...exprs].join(','));
      });

    it('selects every pod for both ingress and egress (nothing is open by default)', () => {
      for (const { owner, template } of podTemplates(objects)) {
        const types = selecting(template.metadata.labels).flatMap((p) => p.spec.policyTypes);
        expect({ pod: owner.metadata.name, ingress: types.includes('Ingress'), egress: types.includes('Egress') }).toEqual({ pod: owner.metadata.name, ingress: true, egress: true });
      }
    });

    it('only the gateway takes traffic; the matcher and workers take only Prometheus on the metrics port', () => {
      for (const { owner, template } of podTemplates(objects)) {
        const rules = selecting(template.metadata.labels).flatMap((p) => p.spec.ingress ?? []);
        const name = owner.metadata.name;
        if (name === 'gateway') {
          expect(rules.some((r: Any) => !r.from && r.ports.some((p: Any) => p.port === 3000))).toBe(true);
        } else if (owner.kind === 'Job') {
          expect({ name, rules }).toEqual({ name, rules: [] });
        } else {
          const metricsPort = template.spec.containers[0].ports.find((p: Any) => p.name === 'metrics').containerPort;
          for (const r of rules) {
            expect({ name, from: (r.from ?? []).length > 0, ports: r.ports.map((p: Any) => p.port) }).toEqual({ name, from: true, ports: [metricsPort] });
          }
          expect({ name, scrapable: rules.length > 0 }).toEqual({ name, scrapable: true });
        }
      }
    });

    it('every pod reaches DNS, Postgres and Redis; workers reach HTTPS and SMTP; the matcher and the migrate Job nothing else', () => {
      for (const { owner, template } of podTemplates(objects)) {
        const ports = selecting(template.metadata.labels)
          .flatMap((p) => p.spec.egress ?? [])
          .flatMap((r: Any) => r.ports.map((p: Any) => `${p.protocol}/${p.port}`));
        const name = owner.metadata.name;
        expect({ name, ports: ['UDP/53', 'TCP/53', 'TCP/5432', 'TCP/6379'].filter((p) => !ports.includes(p)) }).toEqual({ name, ports: [] });
        const internet = ['TCP/443', 'TCP/25', 'TCP/465', 'TCP/587'];
        const callsOut = isWorker(owner) || name === 'gateway';
        expect({ name, internet: internet.filter((p) => ports.includes(p)) }).toEqual({ name, internet: callsOut ? internet : [] });
      }
    });
  });
});

describe('autoscaling', () => {
  it('in prod every worker has a KEDA ScaledObject on its own queue, and the matcher one on its lag', () => {
    const objects = rendered.prod;
    const scaled = ofKind(objects, 'ScaledObject');
    for (const d of ofKind(objects, 'Deployment').filter((x) => x.metadata.name !== 'gateway')) {
      const so = scaled.filter((s) => s.spec.scaleTargetRef.name === d.metadata.name);
      expect({ d: d.metadata.name, n: so.length }).toEqual({ d: d.metadata.name, n: 1 });
      const [trigger] = so[0].spec.triggers;
      const query: string = trigger.metadata.query;
      expect(trigger.type).toBe('prometheus');
      expect(promqlProblems(query, metrics)).toEqual([]);
      expect(query).toContain(`namespace="${d.metadata.namespace}"`);
      if (isWorker(d)) {
        expect(query).toMatch(new RegExp(`^max\\(mockops_queue_jobs\\{[^}]*queue="${queueOf(d)}"`));
        expect(query).toContain('state="waiting"');
      } else {
        expect(query).toContain('mockops_matcher_lag_entries');
      }
      expect(so[0].spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      expect(so[0].spec.maxReplicaCount).toBeGreaterThan(so[0].spec.minReplicaCount);
      // The scaler owns the count: a replicas field would reset it on every apply.
      expect({ d: d.metadata.name, replicas: d.spec.replicas }).toEqual({ d: d.metadata.name, replicas: undefined });
    }
  });

  it('without KEDA, every worker has an HPA on CPU and on its own queue, the matcher on CPU and lag', () => {
    const objects = rendered['prod-hpa'];
    expect(ofKind(objects, 'ScaledObject')).toEqual([]);
    for (const d of ofKind(objects, 'Deployment').filter((x) => x.metadata.name !== 'gateway')) {
      const [hpa, ...more] = ofKind(objects, 'HorizontalPodAutoscaler').filter((h) => h.spec.scaleTargetRef.name === d.metadata.name);
      expect({ d: d.metadata.name, more: more.length, hpa: !!hpa }).toEqual({ d: d.metadata.name, more: 0, hpa: true });
      expect(hpa.spec.metrics[0]).toEqual({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } });
      const external = hpa.spec.metrics[1].external;
      expect(metrics.has(external.metric.name)).toBe(true);
      if (isWorker(d)) expect(external.metric).toEqual({ name: 'mockops_queue_jobs', selector: { matchLabels: { queue: queueOf(d), state: 'waiting' } } });
      else expect(external.metric.name).toBe('mockops_matcher_lag_entries');
      expect(d.spec.replicas).toBeUndefined();
    }
  });

  it('dev runs one of everything from the dev image, prod a pinned image', () => {
    for (const d of ofKind(rendered.dev, 'Deployment')) expect({ d: d.metadata.name, replicas: d.spec.replicas }).toEqual({ d: d.metadata.name, replicas: 1 });
    const images = (variant: string) => podTemplates(rendered[variant]).flatMap(({ template }) => template.spec.containers.map((c: Any) => c.image));
    expect(new Set(images('dev'))).toEqual(new Set(['mockops:dev']));
    expect(images('prod').every((i) => /^[^:]+\/mockops:\d+\.\d+\.\d+$/.test(i))).toBe(true);
  });
});

describe('schema validation bites', () => {
  const deployment = () => structuredClone(ofKind(rendered.prod, 'Deployment')[0]) as Any;

  it('refuses a wrong field type in a Deployment, a KEDA ScaledObject and a PrometheusRule', () => {
    expect(schemaProblems(deployment())).toEqual([]);
    const replicas = deployment();
    replicas.spec.replicas = 'three';
    expect(schemaProblems(replicas).join()).toMatch(/spec\/replicas must be integer/);
    const port = deployment();
    port.spec.template.spec.containers[0].ports[0].containerPort = '3000';
    expect(schemaProblems(port).join()).toMatch(/containerPort must be integer/);
    const so = structuredClone(ofKind(rendered.prod, 'ScaledObject')[0]);
    so.spec.triggers[0].metadata.threshold = 40;
    expect(schemaProblems(so).join()).toMatch(/threshold must be string/);
    const rule = structuredClone(ofKind(rendered.prod, 'PrometheusRule')[0]);
    rule.spec.groups[0].rules[0].for = 600;
    expect(schemaProblems(rule).join()).toMatch(/for must be string/);
  });

  it('refuses a kind it has no schema for', () => {
    expect(schemaProblems({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual(['Widget/w: no schema for example.com/v1 Widget']);
  });
});

describe('dashboard and alert rules', () => {
  const dashboardText = readFileSync(k8s('observability/grafana/mockops-dashboard.json'), 'utf8');
  const dashboard = JSON.parse(dashboardText);
  const panels: Any[] = dashboard.panels.filter((p: Any) => p.type !== 'row');
  const rulesFile = load(readFileSync(k8s('observability/prometheus/mockops.rules.yml'), 'utf8')) as Any;
  const rules: Any[] = rulesFile.groups.flatMap((g: Any) => g.rules);

  it('the dashboard has the panels issue 14 asks for', () => {
    const exprs = panels.flatMap((p) => p.targets.map((t: Any) => t.expr)).join('\n');
    for (const needle of [
      'mockops_events_read_total',
      'mockops_matcher_lag_entries',
      'mockops_executions{',
      'histogram_quantile(0.5, sum by (le, step_type) (rate(mockops_step_duration_seconds_bucket',
      'histogram_quantile(0.95, sum by (le, step_type) (rate(mockops_step_duration_seconds_bucket',
      'mockops_queue_jobs',
      'mockops_dead_letter_entries',
      'mockops_egress_refused_total',
      'mockops_http_requests_total',
      'mockops_http_request_duration_seconds_bucket',
    ]) {
      expect({ needle, found: exprs.includes(needle) }).toEqual({ needle, found: true });
    }
  });

  it('every dashboard query parses and uses only metrics, labels and values from docs/metrics.md', () => {
    const problems = panels.flatMap((p) => p.targets.flatMap((t: Any) => promqlProblems(fromGrafana(t.expr), metrics).map((m) => `${p.title}: ${m}`)));
    expect(problems).toEqual([]);
    const ids = dashboard.panels.map((p: Any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(panels.every((p) => p.datasource.uid === '${datasource}')).toBe(true);
  });

  it('every alert expression parses and uses only metrics, labels and values from docs/metrics.md', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual(
      ['MockopsDeadLetterGrowing', 'MockopsGatewayErrorRatioHigh', 'MockopsMatcherLagGrowing', 'MockopsQueueNoConsumer', 'MockopsStepFailureRatioHigh'].sort(),
    );
    expect(rules.flatMap((r) => promqlProblems(r.expr, metrics).map((m) => `${r.alert}: ${m}`))).toEqual([]);
    for (const r of rules) expect({ alert: r.alert, severity: ['warning', 'critical'].includes(r.labels?.severity), summary: !!r.annotations?.summary }).toEqual({ alert: r.alert, severity: true, summary: true });
  });

  it('the PrometheusRule carries the same groups as the plain rules file', () => {
    const [prometheusRule] = ofKind(rendered.prod, 'PrometheusRule');
    expect(prometheusRule.spec.groups).toEqual(rulesFile.groups);
  });

  it('the dashboard ConfigMap is the dashboard file, for the Grafana sidecar', () => {
    const [cm] = ofKind(rendered.prod, 'ConfigMap').filter((c) => c.metadata.name === 'mockops-grafana-dashboard');
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    expect(cm.data['mockops-dashboard.json']).toBe(dashboardText);
  });
});
