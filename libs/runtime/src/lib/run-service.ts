import 'reflect-metadata';
import { Inject, Logger, Module, RequestMethod, type DynamicModule, type INestApplicationContext, type LogLevel, type OnApplicationBootstrap, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { loadConfig, type MockopsConfig } from '@mockops/config';
import { STEP_TYPES, isStepType } from '@mockops/pipeline-core';
import { openInfrastructure, type Infrastructure, type InfrastructureOverrides } from './infrastructure';
import { ensureRedis } from './redis';
import { RuntimeModule } from './runtime.module';
import { MatcherModule } from './matcher.module';
import { WorkersModule, type HandlerProvider } from './workers.module';
import { configureGateway, gatewayApiModule, queueDashboard, type GatewaySpec } from './gateway-wiring';
import type { BackgroundService } from './step-handlers';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as PinoRoot } from 'pino';
import { collectNodeMetrics, createRootLogger, nestLoggerFor, shutdownTracing, startMetricsServer, type MetricsServer } from '@mockops/telemetry';
import { SharedStateSampler } from './shared-state-sampler';

export interface ServiceSpec {
  name: string;
  /** Run the trigger-matcher in this process. */
  matcher?: boolean;
  /**
   * The step workers of this process: step types (their handlers from ALL_STEP_HANDLERS), handlers
   * built otherwise (tests), or `all`: every step type, and the boot fails if one has no handler.
   */
  handlers?: HandlerProvider[] | 'all';
  /** Serve the REST API (GatewayApiModule) on the config's HOST and PORT. */
  gateway?: GatewaySpec | boolean;
  /** Runs for the process's lifetime (e.g. the published-versions recorder). */
  services?: ((infra: Infrastructure) => BackgroundService)[];
  /** Extra Nest modules, built from the infrastructure. */
  modules?: ((infra: Infrastructure) => Type<unknown> | DynamicModule)[];
  /** Serve HTTP: called with the Nest application before it listens (after the gateway's own setup). */
  http?: (app: INestApplication, infra: Infrastructure) => Promise<void> | void;
  /** One-process mode: start a local redis-server when none answers and REDIS_URL is unset. */
  startLocalRedis?: boolean;
}

export interface RunningService {
  app: INestApplicationContext;
  infra: Infrastructure;
  url?: string;
  /** Headless apps: where GET /metrics is served (MOCKOPS_METRICS_PORT); the gateway serves it at `${url}/metrics`. */
  metricsUrl?: string;
  /** Gateways: the background sampler of the shared-state gauges. */
  sampler?: SharedStateSampler;
  stop(): Promise<void>;
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** LOG_LEVEL (`error`, `warn`, `log`, `debug`, `verbose`) → the Nest levels at or above it. */
export function nestLogLevels(level: string): LogLevel[] {
  const index = LEVELS.indexOf(level as LogLevel);
  return LEVELS.slice(0, index < 0 ? LEVELS.indexOf('log') + 1 : index + 1);
}

/** Services started in this process, stopped together on SIGTERM/SIGINT. */
const running = new Set<() => Promise<void>>();
let signalsInstalled = false;

/**
 * Our own signal handling instead of Nest's enableShutdownHooks (which re-raises the signal and so
 * kills the process before the infrastructure is closed): app.close() runs the shutdown hooks —
 * BullMQ workers finish their in-flight jobs, the matcher acks its batch — then connections close,
 * then the process exits. Installed once per process, whatever the number of services.
 */
function installSignalHandlers(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  const logger = new Logger('shutdown');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: finishing in-flight work`);
      Promise.all([...running].map((stop) => stop()))
        // The spans still buffered are exported before the process ends.
        .then(() => shutdownTracing())
        .then(() => process.exit(0))
        .catch((e) => {
          logger.error(`shutdown failed: ${e}`);
          process.exit(1);
        });
    });
  }
}

const BACKGROUND_SERVICES = Symbol('BACKGROUND_SERVICES');

class BackgroundLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(BACKGROUND_SERVICES) private readonly services: BackgroundService[]) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const s of this.services) await s.start();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const s of [...this.services].reverse()) await s.stop();
  }
}

const gatewaySpecOf = (spec: ServiceSpec): GatewaySpec | undefined => (spec.gateway === true ? {} : spec.gateway || undefined);

/** Requests that are not logged one by one: scrapes and probes, every few seconds. */
const QUIET_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/** Builds the Nest root module of a service from its spec. */
export function serviceModule(spec: ServiceSpec, infra: Infrastructure, rootLogger?: PinoRoot): Type<unknown> {
  const imports: (Type<unknown> | DynamicModule)[] = [RuntimeModule.forRoot(infra)];
  if (spec.matcher) imports.push(MatcherModule);
  if (spec.handlers === 'all' || spec.handlers?.length) imports.push(WorkersModule.forRoot(infra, spec.handlers));
  const gateway = gatewaySpecOf(spec);
  if (gateway) {
    imports.push(gatewayApiModule(infra, gateway));
    if (gateway.queueDashboard ?? true) imports.push(...queueDashboard(infra));
    // One JSON line per request (pino-http), credential headers redacted by the root logger.
    if (rootLogger) {
      imports.push(
        LoggerModule.forRoot({
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: { logger: rootLogger, autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0]) } },
        }),
      );
    }
  }
  for (const m of spec.modules ?? []) imports.push(m(infra));
  const services = (spec.services ?? []).map((make) => make(infra));
  @Module({ imports, providers: [{ provide: BACKGROUND_SERVICES, useValue: services }, BackgroundLifecycle] })
  class ServiceModule {}
  return ServiceModule;
}

/**
 * The Postgres pool a process needs: a step holds one connection at a time, so one per worker slot of
 * the step types it runs, plus two for the matcher and four for the API (lease renewals and probes
 * share them). Measured: a pool smaller than the worker slots makes each step wait for a connection.
 */
export function poolSizeFor(spec: Pick<ServiceSpec, 'handlers' | 'matcher' | 'gateway' | 'http'>, config: MockopsConfig): number {
  const types = spec.handlers === 'all' ? STEP_TYPES : (spec.handlers ?? []).map((h) => (typeof h === 'string' ? h : typeof h === 'function' ? undefined : h.stepType));
  const slots = types.reduce((n, t) => n + (t && isStepType(t) ? config.workers.concurrency[t] : 4), 0);
  return Math.max(4, slots + (spec.matcher ? 1 + config.events.partitions : 0) + (spec.gateway || spec.http ? 4 : 0));
}

/** Boots one service (or all of them, in one-process mode) and wires graceful shutdown. */
export async function startService(
  spec: ServiceSpec,
  opts: { config?: MockopsConfig; overrides?: InfrastructureOverrides } = {},
): Promise<RunningService> {
  const config = opts.config ?? loadConfig();
  const rootLogger = createRootLogger({ service: spec.name, level: config.logLevel, format: config.telemetry.logFormat });
  const nestLogger = nestLoggerFor(rootLogger);
  Logger.overrideLogger(nestLogger);
  const logger = new Logger(spec.name);
  collectNodeMetrics();
  const gateway = gatewaySpecOf(spec);
  const serves = Boolean(spec.http || gateway);
  // Headless apps serve /metrics on their own port from the start, before connecting anywhere.
  let metricsServer: MetricsServer | undefined;
  if (!serves) metricsServer = await startMetricsServer(config.telemetry.metricsPort);
  let stopRedis: (() => Promise<void>) | undefined;
  if (spec.startLocalRedis && !opts.overrides?.redis) {
    const ensured = await ensureRedis(config.redis.url, config.redis.explicit, config.dataDir);
    if (ensured.child) logger.warn(`no Redis answered at ${config.redis.url}: started a local redis-server (pid ${ensured.child.pid})`);
    stopRedis = ensured.stop;
  }
  let infra: Infrastructure;
  try {
    const poolSize = config.database.poolSize ?? poolSizeFor(spec, config);
    infra = await openInfrastructure({ ...config, database: { ...config.database, poolSize } }, opts.overrides);
  } catch (e) {
    await stopRedis?.();
    await metricsServer?.close();
    throw e;
  }
  if (infra.embeddedDatabase) logger.warn(`DATABASE_URL is unset: using the embedded Postgres (pglite) under ${config.dataDir}`);
  const module = serviceModule(spec, infra, rootLogger);
  let app: INestApplicationContext;
  let url: string | undefined;
  let sampler: SharedStateSampler | undefined;
  try {
    if (serves) {
      const httpApp = await NestFactory.create(module, { bodyParser: false, logger: nestLogger });
      if (gateway) configureGateway(httpApp, infra, gateway);
      await spec.http?.(httpApp, infra);
      await httpApp.listen(config.gateway.port, config.gateway.host);
      url = (await httpApp.getUrl()).replace('[::1]', 'localhost');
      app = httpApp;
    } else {
      app = await NestFactory.createApplicationContext(module, { logger: nestLogger });
    }
    if (gateway) {
      sampler = new SharedStateSampler(infra, config.telemetry.sampleMs, new Logger('metrics'));
      sampler.start();
    }
  } catch (e) {
    await infra.close();
    await stopRedis?.();
    await metricsServer?.close();
    throw e;
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    running.delete(stop);
    await sampler?.stop();
    await app.close();
    await infra.close();
    await stopRedis?.();
    await metricsServer?.close();
  };
  running.add(stop);
  installSignalHandlers();
  logger.log(
    `${spec.name} started` +
      (url ? ` on ${url}` : '') +
      (metricsServer ? `; metrics on :${metricsServer.port}/metrics` : '') +
      (spec.matcher ? '; matcher on' : '') +
      (spec.handlers === 'all' ? '; workers: all step types' : spec.handlers?.length ? `; workers: ${spec.handlers.length}` : ''),
  );
  return { app, infra, url, metricsUrl: metricsServer?.url, sampler, stop };
}

/** Entry point helper for apps' main.ts: start, or print why not and exit 1. */
export function runService(spec: ServiceSpec): void {
  startService(spec).catch((e) => {
    new Logger(spec.name).error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
