import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { MockopsConfig } from '@mockops/config';
import { ExecutionChangeNotifier } from '@mockops/event-stream';
import { TriggerMatcher } from '@mockops/matcher';
import { matcherMetrics } from '@mockops/telemetry';
import type { ExecutionAdvancer } from '@mockops/worker-kit';
import type { Store } from '@mockops/execution-store';
import type { Infrastructure } from './infrastructure';
import { EXECUTION_ADVANCER, EXECUTION_STORE, INFRASTRUCTURE, MOCKOPS_CONFIG, REDIS } from './tokens';

@Injectable()
export class MatcherService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MatcherService.name);
  readonly matcher: TriggerMatcher;

  constructor(
    @Inject(MOCKOPS_CONFIG) config: MockopsConfig,
    @Inject(REDIS) redis: Redis,
    @Inject(EXECUTION_STORE) store: Store,
    @Inject(EXECUTION_ADVANCER) advancer: ExecutionAdvancer,
    @Inject(INFRASTRUCTURE) private readonly infra: Infrastructure,
  ) {
    this.matcher = new TriggerMatcher({
      redis,
      store,
      advancer,
      stream: config.events.stream,
      partitions: config.events.partitions,
      batchSize: config.matcher.batchSize,
      blockMs: config.matcher.blockMs,
      claimIdleMs: config.matcher.claimIdleMs,
      startId: config.matcher.startId,
      reloadMs: config.matcher.reloadMs,
      maxEventBytes: config.events.maxBytes,
      logger: this.logger,
      changes: new ExecutionChangeNotifier(redis, config.events.stream),
      observer: matcherMetrics,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.matcher.start();
    // Groups a crash left without a running execution get their next one started (also done by workers).
    this.infra.concurrency.startSweeping();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.infra.concurrency.stopSweeping();
    await this.matcher.stop();
  }
}

@Module({ providers: [MatcherService], exports: [MatcherService] })
export class MatcherModule {}
