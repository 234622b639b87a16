// The manifest entry of each step type's worker: what its Deployment, PodDisruptionBudget, autoscalers
// (KEDA and HPA), compose service and Prometheus target are made of. One entry per step type of
// pipeline-core's registry (a missing one does not compile); `npm run generate` writes the files
// (tools/deploy/manifests.ts says which) and tools/deploy/manifests.spec.ts fails when they are stale.
// Resources and thresholds come from measurement: docs/scaling.md.
import type { StepType } from '@mockops/pipeline-core';

export interface Resources {
  cpu: string;
  memory: string;
}

export interface WorkerManifest {
  /** What the worker runs, after "Runs": the first line of its Deployment file. */
  runs: string;
  /** Said after the queue's name on that line. */
  note?: string;
  /** Seconds to finish in-flight steps after SIGTERM. */
  terminationGraceSeconds: number;
  requests: Resources;
  limits: Resources;
  /** sizeLimit of the /data emptyDir. */
  dataSize: string;
  /**
   * Autoscaling: replica bounds (the base, without an autoscaler, runs `min`), waiting jobs per replica,
   * replicas to hold when Prometheus is unreachable.
   */
  scaling: { min: number; max: number; waitingPerReplica: number; fallback: number };
  /** Named compose volumes mounted into the worker's service (name:path). */
  composeVolumes?: string[];
}

export const WORKER_MANIFESTS: { [K in StepType]: WorkerManifest } = {
  notify: {
    runs: 'notify steps (Slack, email, webhooks)',
    terminationGraceSeconds: 60,
    requests: { cpu: '250m', memory: '192Mi' },
    limits: { cpu: '1', memory: '256Mi' },
    dataSize: '64Mi',
    scaling: { min: 2, max: 20, waitingPerReplica: 40, fallback: 4 },
  },
  create_pr: {
    runs: 'create_pr steps (GitHub PRs)',
    terminationGraceSeconds: 60,
    requests: { cpu: '50m', memory: '160Mi' },
    limits: { cpu: '1', memory: '256Mi' },
    dataSize: '64Mi',
    scaling: { min: 1, max: 4, waitingPerReplica: 20, fallback: 2 },
  },
  regenerate_sdk: {
    runs: 'regenerate_sdk steps',
    note: '; generated SDKs are written under /data/artifacts',
    terminationGraceSeconds: 600,
    requests: { cpu: '900m', memory: '832Mi' },
    limits: { cpu: '1500m', memory: '1024Mi' },
    dataSize: '2Gi',
    scaling: { min: 1, max: 6, waitingPerReplica: 4, fallback: 2 },
    composeVolumes: ['artifacts:/data/artifacts'],
  },
  auto_promote: {
    runs: 'auto_promote steps',
    note: ', and records published scenario versions',
    terminationGraceSeconds: 60,
    requests: { cpu: '400m', memory: '192Mi' },
    limits: { cpu: '1', memory: '256Mi' },
    dataSize: '64Mi',
    scaling: { min: 1, max: 10, waitingPerReplica: 40, fallback: 2 },
  },
  // Waits on the network like notify; notify's measured numbers until its own are (docs/scaling.md).
  http_request: {
    runs: 'http_request steps (one HTTP call each, through the egress guard)',
    terminationGraceSeconds: 60,
    requests: { cpu: '250m', memory: '192Mi' },
    limits: { cpu: '1', memory: '256Mi' },
    dataSize: '64Mi',
    scaling: { min: 1, max: 20, waitingPerReplica: 40, fallback: 2 },
  },
};
