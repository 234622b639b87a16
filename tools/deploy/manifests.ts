// Renders the deployment files' worker parts from the manifest entries (tools/deploy/workers.ts): each
// worker's Deployment and PodDisruptionBudget (k8s/base/worker-<app>.yaml, whole files), and the
// blocks between "@generated <name> begin/end" comments in the files that list every worker (the base
// kustomization, the HPA and KEDA components, the queue-metrics patches, docker compose and its
// Prometheus). Everything outside those blocks is written by hand.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STEP_TYPES, type StepType } from '@mockops/pipeline-core';
import { queueNameFor } from '@mockops/worker-kit';
import { WORKER_MANIFESTS, type WorkerManifest } from './workers';

export const REPO = join(__dirname, '..', '..');

/** worker-http-request for http_request: the app under apps/, its Deployment, compose service and image APP. */
export const workerAppName = (type: StepType | string) => `worker-${type.replace(/_/g, '-')}`;

interface Worker extends WorkerManifest {
  type: StepType;
  app: string;
  queue: string;
}

/** Every worker, in the manifest's order (the registry's types, each with its entry). */
export function workers(): Worker[] {
  const types = Object.keys(WORKER_MANIFESTS) as StepType[];
  const missing = STEP_TYPES.filter((t) => !types.includes(t));
  if (missing.length) throw new Error(`tools/deploy/workers.ts: no manifest entry for ${missing.join(', ')}`);
  return types.map((type) => ({ ...WORKER_MANIFESTS[type], type, app: workerAppName(type), queue: queueNameFor(type) }));
}

const labels = (app: string, component = true) =>
  `{ app.kubernetes.io/name: ${app}, ${component ? 'app.kubernetes.io/component: worker, ' : ''}app.kubernetes.io/part-of: mockops }`;

function deployment(w: Worker): string {
  return `# Runs ${w.runs} from queue ${w.queue}${w.note ?? ''}.
# Generated from tools/deploy/workers.ts (npm run generate); do not edit.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${w.app}
  labels: ${labels(w.app)}
spec:
  replicas: ${w.scaling.min}
  selector: { matchLabels: { app.kubernetes.io/name: ${w.app} } }
  template:
    metadata:
      labels: ${labels(w.app)}
      annotations: { prometheus.io/scrape: "true", prometheus.io/port: "9464", prometheus.io/path: /metrics }
    spec:
      # On SIGTERM it finishes in-flight work (steps, or the matcher's batch) before exiting.
      terminationGracePeriodSeconds: ${w.terminationGraceSeconds}
      automountServiceAccountToken: false
      securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: ${w.app}
          image: mockops:latest
          env:
            - { name: APP, value: ${w.app} }
            - { name: MOCKOPS_METRICS_PORT, value: "9464" }
          envFrom: [{ configMapRef: { name: mockops-config } }, { secretRef: { name: mockops-secrets } }]
          ports: [{ name: metrics, containerPort: 9464 }]
          # Headless: the metrics server is its only HTTP endpoint (docs/metrics.md, "Endpoints").
          startupProbe: { httpGet: { path: /metrics, port: metrics }, periodSeconds: 2, failureThreshold: 30 }
          livenessProbe: { httpGet: { path: /metrics, port: metrics }, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 }
          readinessProbe: { httpGet: { path: /metrics, port: metrics }, periodSeconds: 10, timeoutSeconds: 3 }
          # From measurement: docs/scaling.md, "Resources".
          resources:
            requests: { cpu: ${w.requests.cpu}, memory: ${w.requests.memory} }
            limits: { cpu: ${quoteNumber(w.limits.cpu)}, memory: ${w.limits.memory} }
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
          volumeMounts: [{ name: tmp, mountPath: /tmp }, { name: data, mountPath: /data }]
      volumes:
        - { name: tmp, emptyDir: { sizeLimit: 64Mi } }
        - { name: data, emptyDir: { sizeLimit: ${w.dataSize} } }
---
# Voluntary disruptions take at most one pod at a time (k8s/base/pdb.yaml says why).
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${w.app}
  labels: ${labels(w.app, false)}
spec:
  maxUnavailable: 1
  selector: { matchLabels: { app.kubernetes.io/name: ${w.app} } }
`;
}

/** "1" must stay a string in YAML for a CPU quantity written as a bare number. */
const quoteNumber = (q: string) => (/^\d+$/.test(q) ? `"${q}"` : q);

const hpa = (w: Worker) => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${w.app}
  labels: ${labels(w.app, false)}
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${w.app} }
  minReplicas: ${w.scaling.min}
  maxReplicas: ${w.scaling.max}
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } }
  behavior:
    scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: Pods, value: 1, periodSeconds: 60 }] }
`;

const scaledObject = (w: Worker) => `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: ${w.app}
  labels: ${labels(w.app, false)}
spec:
  scaleTargetRef: { name: ${w.app} }
  minReplicaCount: ${w.scaling.min}
  maxReplicaCount: ${w.scaling.max}
  pollingInterval: 15
  cooldownPeriod: 300
  # Prometheus unreachable: hold this many replicas rather than scale on no data.
  fallback: { failureThreshold: 4, replicas: ${w.scaling.fallback} }
  advanced:
    horizontalPodAutoscalerConfig:
      behavior:
        scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: Pods, value: 1, periodSeconds: 60 }] }
  triggers:
    - type: prometheus
      metadata:
        serverAddress: http://prometheus-operated.monitoring.svc:9090
        # One replica per ${w.scaling.waitingPerReplica} waiting jobs. max, not sum: every gateway replica reports the queue.
        query: max(mockops_queue_jobs{namespace="mockops",queue="${w.queue}",state="waiting"})
        threshold: "${w.scaling.waitingPerReplica}"
        activationThreshold: "0"
        ignoreNullValues: "false"
`;

const queuePatch = (w: Worker) => `  - target: { group: autoscaling, version: v2, kind: HorizontalPodAutoscaler, name: ${w.app} }
    patch: |-
      - op: add
        path: /spec/metrics/-
        value:
          type: External
          external:
            metric: { name: mockops_queue_jobs, selector: { matchLabels: { queue: ${w.queue}, state: waiting } } }
            target: { type: AverageValue, averageValue: "${w.scaling.waitingPerReplica}" }
`;

const composeService = (w: Worker) =>
  `  ${w.app}:
    <<: *app
    environment: { <<: *env, APP: ${w.app}, MOCKOPS_METRICS_PORT: "9464" }
${w.composeVolumes ? `    volumes: [${w.composeVolumes.join(', ')}]\n` : ''}`;

const prometheusTarget = (w: Worker) => `      - targets: ["${w.app}:9464"]
        labels: { app: ${w.app}, namespace: compose }
`;

/** A file the generator writes: whole, or only its marked blocks. */
export interface GeneratedFile {
  path: string;
  /** The file as it must be, given its current text (undefined: it does not exist yet). */
  render(current: string | undefined): string;
}

function blocks(path: string, content: Record<string, (ws: Worker[]) => string>): GeneratedFile {
  return {
    path,
    render(current) {
      if (current === undefined) throw new Error(`${path}: missing (its hand-written parts hold the @generated markers)`);
      let text = current;
      for (const [name, make] of Object.entries(content)) text = replaceBlock(path, text, name, make(workers()));
      return text;
    },
  };
}

/** Replaces the lines between `@generated <name> begin` and `@generated <name> end`. */
export function replaceBlock(path: string, text: string, name: string, content: string): string {
  const lines = text.split('\n');
  const begin = lines.findIndex((l) => l.includes(`@generated ${name} begin`));
  const end = lines.findIndex((l, i) => i > begin && l.includes(`@generated ${name} end`));
  if (begin < 0 || end < 0) throw new Error(`${path}: no "@generated ${name} begin" … "end" block`);
  const body = content.endsWith('\n') ? content.slice(0, -1) : content;
  return [...lines.slice(0, begin + 1), ...(body ? body.split('\n') : []), ...lines.slice(end)].join('\n');
}

/** Every file written from the manifest entries. */
export function generatedFiles(): GeneratedFile[] {
  return [
    ...workers().map((w) => ({ path: `k8s/base/${w.app}.yaml`, render: () => deployment(w) })),
    blocks('k8s/base/kustomization.yaml', { workers: (ws) => ws.map((w) => `  - ${w.app}.yaml\n`).join('') }),
    blocks('k8s/components/hpa/hpa.yaml', { workers: (ws) => ws.map((w) => `---\n${hpa(w)}`).join('') }),
    blocks('k8s/components/keda/scaledobjects.yaml', { workers: (ws) => ws.map((w) => `${scaledObject(w)}---\n`).join('') }),
    blocks('k8s/components/hpa-queue-metrics/kustomization.yaml', { workers: (ws) => ws.map(queuePatch).join('') }),
    blocks('docker/docker-compose.yml', { workers: (ws) => ws.map(composeService).join('') }),
    blocks('docker/observability/prometheus.yml', { workers: (ws) => ws.map(prometheusTarget).join('') }),
  ];
}

/** [path, expected text, current text] of every generated file. */
export function renderAll(root = REPO): { path: string; expected: string; current: string | undefined }[] {
  return generatedFiles().map((f) => {
    let current: string | undefined;
    try {
      current = readFileSync(join(root, f.path), 'utf8');
    } catch {
      current = undefined;
    }
    return { path: f.path, expected: f.render(current), current };
  });
}
