import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger as PinoRoot, type LoggerOptions } from 'pino';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { currentLogContext } from './log-context';
import { activeTraceId } from './trace-context';

export type LogFormat = 'json' | 'pretty';

/** LOG_LEVEL's Nest names → pino's. */
const LEVELS: Record<string, pino.LevelWithSilent> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', info: 'info', debug: 'debug', verbose: 'trace' };

/** Headers whose values are credentials: never written to a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
];

export interface RootLoggerOptions {
  service: string;
  level: string;
  format: LogFormat;
  /** Where lines go (default stdout); tests pass a stream. */
  destination?: DestinationStream;
}

/**
 * The process's pino logger. Every line carries the step it was written for (execution_id,
 * pipeline_id, step, workspace_id) and the trace id when there is one; messages written on the step
 * path are scrubbed of the run's secrets, credential headers are redacted.
 */
export function createRootLogger(opts: RootLoggerOptions): PinoRoot {
  const options: LoggerOptions = {
    level: LEVELS[opts.level] ?? 'info',
    base: { service: opts.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '***' },
    mixin() {
      const ctx = currentLogContext();
      const trace_id = activeTraceId();
      if (!ctx) return trace_id ? { trace_id } : {};
      return trace_id ? { ...ctx.fields, trace_id } : { ...ctx.fields };
    },
    hooks: {
      logMethod(args, method) {
        const scrub = currentLogContext()?.scrub;
        if (scrub) {
          for (let i = 0; i < args.length; i++) {
            const a = args[i] as unknown;
            if (typeof a === 'string') args[i] = scrub(a) as never;
            else if (a instanceof Error) args[i] = { err: { type: a.name, message: scrub(a.message), stack: a.stack ? scrub(a.stack) : undefined } } as never;
            else if (a && typeof a === 'object' && Object.getPrototypeOf(a) === Object.prototype) args[i] = JSON.parse(scrub(JSON.stringify(a))) as never;
          }
        }
        method.apply(this, args);
      },
    },
  };
  const destination = opts.destination ?? (opts.format === 'pretty' ? prettyStream() : pino.destination({ fd: 1, sync: true }));
  return pino(options, destination);
}

function prettyStream(): DestinationStream {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = require('pino-pretty') as (o: object) => DestinationStream;
  return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', messageKey: 'msg' });
}

/** Nest's LoggerService on a pino root (nestjs-pino's Logger): for Logger.overrideLogger and the app. */
export function nestLoggerFor(root: PinoRoot): LoggerService {
  return new NestPinoLogger(new PinoLogger({ pinoHttp: { logger: root } }), {});
}
