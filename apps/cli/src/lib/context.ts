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
}

export function createContext(io: Io, env: Record<string, string | undefined>, fetchImpl?: typeof fetch): CliContext {
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
