import { Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import type { MockopsConfig } from '@mockops/config';
import { STEP_TYPES, isStepType, type StepType } from '@mockops/pipeline-core';
import {
  ExecutionAdvancer,
  RevisionCache,
  STEP_WORKER_SETTINGS,
  StepReconciler,
  StepRunner,
  indexHandlers,
  processStepJob,
  queueNameFor,
  type StepHandler,
  type StepJobData,
} from '@mockops/worker-kit';
import type { Infrastructure } from './infrastructure';
import { ALL_STEP_HANDLERS } from './step-handlers';
import { EXECUTION_ADVANCER, INFRASTRUCTURE, MOCKOPS_CONFIG, REVISION_CACHE, STEP_RUNNER } from './tokens';

/** A step type (its handler from ALL_STEP_HANDLERS), a handler, or a factory for one that needs the infrastructure. */
export type HandlerProvider = StepType | StepHandler<any> | ((infra: Infrastructure) => StepHandler<any>);

function processorFor(stepType: StepType, config: MockopsConfig): Type<WorkerHost> {
  @Processor(queueNameFor(stepType), {
    concurrency: config.workers.concurrency[stepType],
    // The BullMQ lock mirrors the step lease, so a dead worker's job is found stalled when its lease ends.
    lockDuration: config.workers.leaseMs,
    stalledInterval: Math.max(1000, Math.floor(config.workers.leaseMs / 2)),
    maxStalledCount: 10,
    settings: STEP_WORKER_SETTINGS,
  })
  class StepProcessor extends WorkerHost {
    constructor(@Inject(STEP_RUNNER) private readonly runner: StepRunner) {
      super();
    }

    process(job: Job<StepJobData>, token?: string): Promise<string> {
      return processStepJob(this.runner, job, token);
    }
  }
  Object.defineProperty(StepProcessor, 'name', { value: `${stepType}StepProcessor` });
  return StepProcessor;
}

class RunnerShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(STEP_RUNNER) private readonly runner: StepRunner,
    @Inject(MOCKOPS_CONFIG) private readonly config: MockopsConfig,
  ) {}

  onApplicationShutdown(): Promise<void> {
    // @nestjs/bullmq stops taking jobs and waits for the active ones at the same time; steps still
    // running after the grace period are aborted (and retried elsewhere once their lease expires).
    return this.runner.drain(this.config.workers.shutdownGraceMs);
  }
}

const STEP_RECONCILER = Symbol('STEP_RECONCILER');

class ReconcilerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(STEP_RECONCILER) private readonly reconciler: StepReconciler,
    @Inject(INFRASTRUCTURE) private readonly infra: Infrastructure,
  ) {}

  onApplicationBootstrap(): void {
    this.reconciler.start();
    this.infra.concurrency.startSweeping();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.infra.concurrency.stopSweeping();
    return this.reconciler.stop();
  }
}

/**
 * Step workers for the given handlers: one BullMQ processor per step type, all sharing one StepRunner
 * (the worker base). Boot fails when a step type has two handlers.
 */
@Module({})
export class WorkersModule {
  static forRoot(infra: Infrastructure, providers: HandlerProvider[] | 'all'): DynamicModule {
    const handlers = (providers === 'all' ? STEP_TYPES : providers).map((h) =>
      typeof h === 'string' ? ALL_STEP_HANDLERS[h](infra) : typeof h === 'function' ? h(infra) : h,
    );
    const byType = indexHandlers(handlers);
    // A process that claims to run every step type refuses to start without one of them.
    if (providers === 'all') {
      const missing = STEP_TYPES.filter((t) => !byType.has(t));
      if (missing.length) throw new Error(`no handler registered for step type(s) ${missing.join(', ')}`);
    }
    for (const type of byType.keys()) if (!isStepType(type)) throw new Error(`a handler for "${type}", which is not a step type of the registry`);
    const logger = new Logger('StepRunner');
    return {
      module: WorkersModule,
      providers: [
        {
          provide: STEP_RUNNER,
          inject: [MOCKOPS_CONFIG, REVISION_CACHE, EXECUTION_ADVANCER],
          useFactory: (config: MockopsConfig, revisions: RevisionCache, advancer: ExecutionAdvancer) =>
            new StepRunner({
              store: infra.store,
              revisions,
              advancer,
              handlers,
              secrets: infra.secretResolver,
              leaseMs: config.workers.leaseMs,
              logger,
              changes: infra.changes,
              observer: infra.stepTelemetry,
            }),
        },
        RunnerShutdown,
        {
          provide: STEP_RECONCILER,
          inject: [EXECUTION_ADVANCER],
          useFactory: (advancer: ExecutionAdvancer) =>
            new StepReconciler({
              store: infra.store,
              advancer,
              queueFor: (name) => infra.queues.get(name)!,
              stepTypes: [...byType.keys()],
              graceMs: infra.config.workers.leaseMs,
              intervalMs: Math.max(1000, infra.config.workers.leaseMs),
              logger: new Logger('StepReconciler'),
            }),
        },
        ReconcilerLifecycle,
        ...[...byType.keys()].map((type) => processorFor(type as StepType, infra.config)),
      ],
      exports: [STEP_RUNNER],
    };
  }
}
