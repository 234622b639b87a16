import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { subscribeExecutionChanges, type ExecutionChange } from '@mockops/event-stream';
import type { Principal } from '../auth/api-keys';
import { GatewayError } from '../errors/gateway-error';
import { canSeeExecution } from '../executions/execution-access';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway.options';
import { eventsStreamOf } from './run-view.tokens';

interface LiveClient {
  principal: Principal;
  res: Response;
  heartbeat: NodeJS.Timeout;
}

/**
 * The live feed behind `GET /executions/live`: one Redis subscription per gateway process to the
 * execution-changes channel, fanned out as server-sent events to every connected client whose key may
 * see the execution (the same rule as `GET /executions/:id`). A comment line every `heartbeatMs`
 * keeps proxies from closing an idle stream.
 */
@Injectable()
export class ExecutionLiveService implements OnModuleDestroy {
  private readonly logger = new Logger(ExecutionLiveService.name);
  heartbeatMs = 15_000;
  private readonly clients = new Set<LiveClient>();
  private subscriber?: Redis;
  private subscribed?: Promise<() => Promise<void>>;
  private delivery: Promise<void> = Promise.resolve();

  constructor(@Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions) {}

  get clientCount(): number {
    return this.clients.size;
  }

  /** Holds the response open as an event stream until the client goes away or the gateway stops. */
  async attach(principal: Principal, req: Request, res: Response): Promise<void> {
    await this.subscribe();
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // Reverse proxies (nginx) buffer responses unless told not to.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 3000\nevent: ready\ndata: {}\n\n');
    const client: LiveClient = { principal, res, heartbeat: setInterval(() => res.write(': heartbeat\n\n'), this.heartbeatMs) };
    this.clients.add(client);
    req.on('close', () => this.detach(client));
  }

  onModuleDestroy(): Promise<void> {
    // Open streams would keep the HTTP server from closing.
    for (const client of [...this.clients]) {
      this.detach(client);
      client.res.end();
    }
    const subscribed = this.subscribed;
    this.subscribed = undefined;
    return (async () => {
      const unsubscribe = await subscribed?.catch(() => undefined);
      await unsubscribe?.().catch(() => undefined);
      this.subscriber?.disconnect();
    })();
  }

  private detach(client: LiveClient): void {
    clearInterval(client.heartbeat);
    this.clients.delete(client);
  }

  private subscribe(): Promise<unknown> {
    const redis = this.options.redis;
    if (!redis) return Promise.reject(new GatewayError('UNAVAILABLE', 'the live feed needs the Redis connection, which this gateway does not have'));
    if (!this.subscribed) {
      this.subscriber = redis.duplicate();
      this.subscribed = subscribeExecutionChanges(this.subscriber, eventsStreamOf(this.options), (change) => {
        this.delivery = this.delivery.then(() => this.deliver(change)).catch((e) => this.logger.warn(`live feed: ${(e as Error).message}`));
      });
      this.subscribed.catch(() => {
        this.subscribed = undefined;
        this.subscriber?.disconnect();
      });
    }
    return this.subscribed.catch((e) => {
      throw new GatewayError('UNAVAILABLE', `the live feed could not subscribe to Redis: ${(e as Error).message}`);
    });
  }

  private async deliver(change: ExecutionChange): Promise<void> {
    if (this.clients.size === 0) return;
    const frame = `event: execution\ndata: ${JSON.stringify(change)}\n\n`;
    for (const client of [...this.clients]) {
      if (canSeeExecution(client.principal, { workspaceId: change.workspace_id })) client.res.write(frame);
    }
  }
}
