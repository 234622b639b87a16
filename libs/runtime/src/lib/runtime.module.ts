import { Global, Module, type DynamicModule } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import type { Infrastructure } from './infrastructure';
import { STEP_TYPES } from '@mockops/pipeline-core';
import { queueNameFor } from '@mockops/worker-kit';
import { queuePrefixOf } from '@mockops/event-stream';
import {
  DATA_SOURCE,
  EVENT_PUBLISHER,
  EXECUTION_ADVANCER,
  EXECUTION_STORE,
  INFRASTRUCTURE,
  MOCKOPS_CONFIG,
  PIPELINE_NOTIFIER,
  REDIS,
  REVISION_CACHE,
  SECRETS,
  STEP_DISPATCHER,
} from './tokens';

/**
 * The shared runtime of every MockOps process: config, Redis, the store, the event publisher, the
 * step queues and the advancer, all opened by openInfrastructure() before Nest boots.
 */
@Global()
@Module({})
export class RuntimeModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    const values = [
      { provide: INFRASTRUCTURE, useValue: infra },
      { provide: MOCKOPS_CONFIG, useValue: infra.config },
      { provide: REDIS, useValue: infra.redis },
      { provide: DATA_SOURCE, useValue: infra.dataSource },
      { provide: EXECUTION_STORE, useValue: infra.store },
      { provide: EVENT_PUBLISHER, useValue: infra.publisher },
      { provide: PIPELINE_NOTIFIER, useValue: infra.notifier },
      { provide: SECRETS, useValue: infra.secrets },
      { provide: REVISION_CACHE, useValue: infra.revisions },
      { provide: STEP_DISPATCHER, useValue: infra.dispatcher },
      { provide: EXECUTION_ADVANCER, useValue: infra.advancer },
    ];
    return {
      module: RuntimeModule,
      // Connection settings and queue registrations the step processors (@nestjs/bullmq) of
      // WorkersModule attach to.
      imports: [
        BullModule.forRoot({ connection: infra.redis }),
        // Each queue its own hash-tagged prefix (one Redis Cluster slot per queue, see queuePrefixOf);
        // the processors take the prefix of their queue's registration.
        BullModule.registerQueue(...STEP_TYPES.map((t) => ({ name: queueNameFor(t), prefix: queuePrefixOf(infra.config.queues.prefix, queueNameFor(t)) }))),
      ],
      providers: values,
      exports: [BullModule, ...values.map((v) => v.provide)],
    };
  }
}
