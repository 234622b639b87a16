import { ApiClient, ApiError } from './api-client';
import type { Io } from './output';

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

/** What every command gets: where to write, and the gateway client built from the environment. */
export interface CliContext {
  io: Io;
  env: Record<string, string | undefined>;
  client(): ApiClient;
  /** Pauses between polls (`execution --wait`); injectable so tests need not wait. */
  sleep(ms: number): Promise<void>;
  /** Reads a secret: all of stdin, or on a terminal one line typed without echo. */
  readSecretInput(prompt: string): Promise<string>;
}

/** Reads stdin to the end; on a TTY, one line with echo off (the prompt goes to stderr). */
export function readStdinSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      stdin.on('data', (c: Buffer) => chunks.push(c));
      stdin.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      stdin.once('error', reject);
    });
  }
  process.stderr.write(prompt);
  return new Promise((resolve) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (c: Buffer) => {
      for (const ch of c.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          return resolve(value);
        }
        if (ch === '\u0003') process.exit(130);
        value = ch === '\u007f' ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on('data', onData);
  });
}

export function createContext(
  io: Io,
  env: Record<string, string | undefined>,
  fetchImpl?: typeof fetch,
  readSecretInput: (prompt: string) => Promise<string> = readStdinSecret,
): CliContext {
  let client: ApiClient | undefined;
  return {
    io,
    env,
    client() {
      client ??= new ApiClient({
        baseUrl: env.MOCKFORGE_API_URL || DEFAULT_API_URL,
        apiKey: env.MOCKFORGE_API_KEY || undefined,
        fetch: fetchImpl,
      });
      return client;
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    readSecretInput,
  };
}

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The command ran but its outcome is a failure (exit code 1), already explained on stderr. */
export class CommandFailed extends Error {
  constructor(message = 'command failed') {
    super(message);
    this.name = 'CommandFailed';
  }
}

export { ApiError };
