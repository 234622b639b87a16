import { Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import type { MockopsConfig } from '@mockops/config';
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
import { EXECUTION_ADVANCER, MOCKOPS_CONFIG, REVISION_CACHE, STEP_RUNNER } from './tokens';

/** A handler, or a factory for one that needs the process's infrastructure (store, publisher...). */
export type HandlerProvider = StepHandler<any> | ((infra: Infrastructure) => StepHandler<any>);

function processorFor(stepType: string, config: MockopsConfig): Type<WorkerHost> {
  @Processor(queueNameFor(stepType), {
    concurrency: config.workerConcurrency,
    // The BullMQ lock mirrors the step lease, so a dead worker's job is found stalled when its lease ends.
    lockDuration: config.stepLeaseMs,
    stalledInterval: Math.max(1000, Math.floor(config.stepLeaseMs / 2)),
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
    return this.runner.drain(this.config.shutdownGraceMs);
  }
}

const STEP_RECONCILER = Symbol('STEP_RECONCILER');

class ReconcilerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(STEP_RECONCILER) private readonly reconciler: StepReconciler) {}

  onApplicationBootstrap(): void {
    this.reconciler.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.reconciler.stop();
  }
}

/**
 * Step workers for the given handlers: one BullMQ processor per step type, all sharing one StepRunner
 * (the worker base). Boot fails when a step type has two handlers.
 */
@Module({})
export class WorkersModule {
  static forRoot(infra: Infrastructure, handlerProviders: HandlerProvider[]): DynamicModule {
    const handlers = handlerProviders.map((h) => (typeof h === 'function' ? h(infra) : h));
    const byType = indexHandlers(handlers);
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
              leaseMs: config.stepLeaseMs,
              logger,
              changes: infra.changes,
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
              graceMs: infra.config.stepLeaseMs,
              intervalMs: Math.max(1000, infra.config.stepLeaseMs),
              logger: new Logger('StepReconciler'),
            }),
        },
        ReconcilerLifecycle,
        ...[...byType.keys()].map((type) => processorFor(type, infra.config)),
      ],
      exports: [STEP_RUNNER],
    };
  }
}
