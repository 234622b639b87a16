import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Cluster, Redis } from 'ioredis';

/**
 * One ioredis connection as BullMQ wants it (no per-command retry limit: it blocks and reconnects).
 * With `cluster`, an ioredis Cluster client seeded with the URL's node: it is typed as Redis for the
 * rest of the system, which uses only commands a Cluster client routes (every key of a script or MULTI
 * on one slot: docs/scaling.md; the whole product runs on a real cluster in cluster-mode.e2e-spec.ts).
 */
export function connectRedis(url: string, name = 'mockops', cluster = false): Redis {
  if (!cluster) return new Redis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
  const u = new URL(url);
  const redisOptions = {
    maxRetriesPerRequest: null,
    connectionName: name,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], { redisOptions }) as unknown as Redis;
}

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export interface EnsuredRedis {
  url: string;
  /** The redis-server this process started, if it had to. */
  child?: ChildProcess;
  stop(): Promise<void>;
}

/**
 * One-process mode: use REDIS_URL when it answers; when none was given and localhost has none, start
 * a local `redis-server` from the PATH (data kept under dataDir); otherwise say how to get one.
 */
export async function ensureRedis(url: string, explicit: boolean, dataDir: string): Promise<EnsuredRedis> {
  if (await answers(url)) return { url, stop: async () => undefined };
  if (explicit) throw new Error(`Redis at ${url} (REDIS_URL) does not answer.`);
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!found) {
    throw new Error(
      `No Redis answers at ${url} and no redis-server is on the PATH. Install one (Debian/Ubuntu: ` +
        '`apt-get install redis-server`; macOS: `brew install redis`) or set REDIS_URL.',
    );
  }
  const u = new URL(url);
  const port = Number(u.port || 6379);
  const dir = `${dataDir}/redis`;
  mkdirSync(dir, { recursive: true });
  const child = spawn(found, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 50; i++) {
    if (await answers(url)) {
      return {
        url,
        child,
        stop: async () => {
          child.kill('SIGTERM');
        },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`started ${found} on port ${port} but it did not answer`);
}
