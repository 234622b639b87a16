import { Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PromotionStore } from '@mockops/execution-store';
import type { Infrastructure } from '@mockops/runtime';
import { PublishedVersionsRecorder } from './published-versions.recorder';

class RecorderLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(PublishedVersionsRecorder) private readonly recorder: PublishedVersionsRecorder) {}

  onApplicationBootstrap(): Promise<void> {
    return this.recorder.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.recorder.stop();
  }
}

/** Runs the PublishedVersionsRecorder for the process's lifetime (the worker-auto-promote app mounts it). */
@Module({})
export class PublishedVersionsModule {
  static forRoot(infra: Pick<Infrastructure, 'redis' | 'dataSource' | 'config'>): DynamicModule {
    return {
      module: PublishedVersionsModule,
      providers: [
        {
          provide: PublishedVersionsRecorder,
          useFactory: () =>
            new PublishedVersionsRecorder({
              redis: infra.redis,
              stream: infra.config.eventsStream,
              promotions: new PromotionStore(infra.dataSource),
              probe: () => infra.dataSource.query('SELECT 1'),
              maxEventBytes: infra.config.eventMaxBytes,
            }),
        },
        RecorderLifecycle,
      ],
      exports: [PublishedVersionsRecorder],
    };
  }
}
