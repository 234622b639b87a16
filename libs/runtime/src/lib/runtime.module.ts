import { Global, Module, type DynamicModule } from '@nestjs/common';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { ModuleRef } from '@nestjs/core';
import { STEP_TYPES } from '@mockops/pipeline-core';
import { ExecutionAdvancer, RevisionCache, StepDispatcher, queueNameFor, type StepJobData } from '@mockops/worker-kit';
import type { Infrastructure } from './infrastructure';
import {
  DATA_SOURCE,
  EVENT_PUBLISHER,
  EXECUTION_ADVANCER,
  EXECUTION_STORE,
  MOCKOPS_CONFIG,
  PIPELINE_NOTIFIER,
  REDIS,
  REVISION_CACHE,
  SECRETS,
  STEP_DISPATCHER,
} from './tokens';

export const STEP_QUEUE_NAMES = STEP_TYPES.map((t) => queueNameFor(t));

/**
 * The shared runtime of every MockOps process: config, Redis, the store, the event publisher and the
 * step queues (all step types: any process may enqueue any step, e.g. a notify worker enqueues the
 * create_pr step that follows).
 */
@Global()
@Module({})
export class RuntimeModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    return {
      module: RuntimeModule,
      imports: [
        BullModule.forRoot({ connection: infra.redis, prefix: infra.config.queuePrefix }),
        BullModule.registerQueue(...STEP_QUEUE_NAMES.map((name) => ({ name }))),
      ],
      providers: [
        { provide: MOCKOPS_CONFIG, useValue: infra.config },
        { provide: REDIS, useValue: infra.redis },
        { provide: DATA_SOURCE, useValue: infra.dataSource },
        { provide: EXECUTION_STORE, useValue: infra.store },
        { provide: EVENT_PUBLISHER, useValue: infra.publisher },
        { provide: PIPELINE_NOTIFIER, useValue: infra.notifier },
        { provide: SECRETS, useValue: infra.secrets },
        { provide: REVISION_CACHE, useFactory: () => new RevisionCache(infra.store) },
        {
          provide: STEP_DISPATCHER,
          inject: [ModuleRef],
          useFactory: (moduleRef: ModuleRef) =>
            new StepDispatcher((name) => moduleRef.get<Queue<StepJobData>>(getQueueToken(name), { strict: false })),
        },
        {
          provide: EXECUTION_ADVANCER,
          inject: [REVISION_CACHE, STEP_DISPATCHER],
          useFactory: (revisions: RevisionCache, dispatcher: StepDispatcher) => new ExecutionAdvancer(infra.store, revisions, dispatcher),
        },
      ],
      exports: [
        BullModule,
        MOCKOPS_CONFIG,
        REDIS,
        DATA_SOURCE,
        EXECUTION_STORE,
        EVENT_PUBLISHER,
        PIPELINE_NOTIFIER,
        SECRETS,
        REVISION_CACHE,
        STEP_DISPATCHER,
        EXECUTION_ADVANCER,
      ],
    };
  }
}
