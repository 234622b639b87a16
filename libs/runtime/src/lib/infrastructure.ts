import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import type { MockopsConfig } from '@mockops/config';
import { EventPublisher, ExecutionChangeNotifier, PipelineChangeNotifier, checkPartitionCount, queuePrefixOf } from '@mockops/event-stream';
import { SecretCipher, SecretStore, createDataSource, maintainPartitions, pendingMigrations, resolveDatabase, runMigrations, openStore, type Store } from '@mockops/execution-store';
import { Queue } from 'bullmq';
import { STEP_TYPES } from '@mockops/pipeline-core';
import { ConcurrencyGroups, ExecutionAdvancer, RevisionCache, SecretResolver, StepDispatcher, queueNameFor, type StepJobData } from '@mockops/worker-kit';
import { connectRedis } from './redis';
import { Logger } from '@nestjs/common';
import { StepTelemetry } from '@mockops/telemetry';

/**
 * Everything a MockOps process talks to, opened before Nest boots so that a bad URL, an unreachable
 * service or a pending migration stops the process at once with a clear message.
 */
export interface Infrastructure {
  config: MockopsConfig;
  redis: Redis;
  dataSource: DataSource;
  store: Store;
  publisher: EventPublisher;
  notifier: PipelineChangeNotifier;
  /** Announces execution and step changes to live views (fire-and-forget pub/sub). */
  changes: ExecutionChangeNotifier;
  /** The operator's process-wide secrets (MOCKOPS_SECRET_*, GITHUB_TOKEN, SLACK_WEBHOOK_URL, SMTP_URL, WEBHOOK_SECRET). */
  secrets: Record<string, string>;
  /** Workspace secrets, encrypted at rest (values only with MOCKOPS_SECRETS_KEY). */
  secretStore: SecretStore;
  /** Who may use which secret: a workspace its own and the shared operator credentials, global pipelines the operator's. */
  secretResolver: SecretResolver;
  /** One BullMQ queue per step type (any process may enqueue any step type). */
  queues: Map<string, Queue<StepJobData>>;
  revisions: RevisionCache;
  dispatcher: StepDispatcher;
  /** Moves executions forward (used by workers, the matcher, and the API for re-runs and approvals). */
  advancer: ExecutionAdvancer;
  /** Concurrency groups (attached to the advancer); workers and matchers sweep them for what a crash left behind. */
  concurrency: ConcurrencyGroups;
  /** Metrics, trace spans and log fields of the step path (worker-kit's StepObserver and ExecutionObserver). */
  stepTelemetry: StepTelemetry;
  /** The database URL in use (the embedded one when DATABASE_URL is unset). */
  databaseUrl: string;
  embeddedDatabase: boolean;
  close(): Promise<void>;
}

export interface InfrastructureOverrides {
  redis?: Redis;
  dataSource?: DataSource;
  secrets?: Record<string, string>;
}

export async function openInfrastructure(config: MockopsConfig, overrides: InfrastructureOverrides = {}): Promise<Infrastructure> {
  const closers: (() => Promise<unknown>)[] = [];
  try {
    let dataSource = overrides.dataSource;
    let databaseUrl = config.database.url ?? '';
    let embeddedDatabase = false;
    if (!dataSource) {
      const db = await resolveDatabase({ url: config.database.url, dataDir: config.dataDir });
      databaseUrl = db.url;
      embeddedDatabase = Boolean(db.embedded);
      if (db.embedded) closers.push(() => db.embedded!.stop());
      dataSource = createDataSource({ url: db.url, schema: config.database.schema, poolSize: config.database.poolSize });
      await dataSource.initialize();
      closers.push(() => dataSource!.destroy());
      if (config.database.autoMigrate) await runMigrations(dataSource);
      else if (await pendingMigrations(dataSource)) {
        throw new Error('the database has pending migrations and MOCKOPS_AUTO_MIGRATE=false: run `npm run migrate` first');
      }
      closers.push(await schedulePartitionMaintenance(dataSource, config.retention.days));
    }
    const redis = overrides.redis ?? connectRedis(config.redis.url, 'mockops', config.redis.cluster);
    if (!overrides.redis) {
      closers.push(async () => redis.quit().catch(() => redis.disconnect()));
      await redis.ping();
    }
    // Every process of the install on the same number of stream partitions, else events go unread.
    await checkPartitionCount(redis, config.events.stream, config.events.partitions);
    const store = openStore(dataSource);
    const queues = new Map<string, Queue<StepJobData>>();
    for (const type of STEP_TYPES) {
      const name = queueNameFor(type);
      queues.set(name, new Queue<StepJobData>(name, { connection: redis, prefix: queuePrefixOf(config.queues.prefix, name) }));
    }
    closers.push(async () => Promise.all([...queues.values()].map((q) => q.close())));
    const revisions = new RevisionCache(store);
    const secretStore = new SecretStore(dataSource, config.secrets.keys.length ? new SecretCipher(config.secrets.keys) : null);
    const secrets = overrides.secrets ?? config.secrets.operator;
    const dispatcher = new StepDispatcher((name) => {
      const queue = queues.get(name);
      if (!queue) throw new Error(`no queue named ${name}`);
      return queue;
    });
    const changes = new ExecutionChangeNotifier(redis, config.events.stream);
    const stepTelemetry = new StepTelemetry(new Logger('StepRunner'));
    const advancer = new ExecutionAdvancer(store, revisions, dispatcher, changes, stepTelemetry);
    const concurrency = new ConcurrencyGroups({
      store,
      logger: new Logger('ConcurrencyGroups'),
      stalledAfterMs: Math.max(5000, config.workers.leaseMs),
      onCancelled: (c) => {
        stepTelemetry.executionFinished('cancelled');
        if (c.pipelineId) changes.notify({ execution_id: c.executionId, pipeline_id: c.pipelineId, workspace_id: c.workspaceId ?? null, status: 'cancelled' });
      },
    });
    advancer.useConcurrency(concurrency);
    const infra: Infrastructure = {
      config,
      redis,
      dataSource,
      store,
      queues,
      revisions,
      dispatcher,
      advancer,
      concurrency,
      stepTelemetry,
      publisher: new EventPublisher(redis, { stream: config.events.stream, partitions: config.events.partitions, maxLen: config.events.maxLen, maxEventBytes: config.events.maxBytes }),
      notifier: new PipelineChangeNotifier(redis, config.events.stream),
      changes,
      secrets,
      secretStore,
      secretResolver: new SecretResolver(secrets, config.secrets.shared, secretStore),
      databaseUrl,
      embeddedDatabase,
      close: async () => {
        for (const close of closers.reverse()) await close().catch(() => undefined);
      },
    };
    return infra;
  } catch (e) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw e;
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Month partitions of executions and step runs: the coming months are created at boot and daily, and
 * with MOCKOPS_RETENTION_DAYS the expired months are dropped (execution-store partitions.ts). Every
 * process does it, one at a time under an advisory lock, so no single process has to be up. A failure
 * is logged and retried the next day: the DEFAULT partitions take rows of a month not created yet.
 */
async function schedulePartitionMaintenance(dataSource: DataSource, retentionDays: number | null): Promise<() => Promise<void>> {
  const logger = new Logger('Partitions');
  const run = async () => {
    try {
      const done = await maintainPartitions(dataSource, { retentionDays });
      if (done.created.length) logger.log(`created partitions ${done.created.join(', ')}`);
      if (done.skipped.length) logger.warn(`months left in the DEFAULT partition (it holds rows of them): ${done.skipped.join(', ')}`);
      if (done.dropped.length) logger.log(`retention (${retentionDays} days): dropped ${done.dropped.join(', ')}`);
    } catch (e) {
      logger.warn(`partition maintenance failed, retried in a day: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  await run();
  const timer = setInterval(() => void run(), DAY_MS);
  timer.unref();
  return async () => clearInterval(timer);
}
