// Process plumbing for the step-path benchmark: a private redis-server, a database of its own on the
// shared Postgres, the built apps and the raw worker as child processes with the probe preloaded, a
// webhook sink, /proc readings (CPU, RSS) and the counters of Redis and Postgres.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, statSync, readdirSync, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { TEST_DATABASE_URL, uniqueSuffix } from '@mockops/testing';

export const ROOT = join(__dirname, '..', '..', '..');
export const PRELOAD = join(__dirname, 'probe-preload.js');
const CLK_TCK = 100; // USER_HZ on Linux

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Newest modification time under `dir` of files ending in .ts (sources), skipping specs. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** The benchmark measures dist/: refuse a missing build, warn about one older than the sources. */
export function checkBuild(): string | undefined {
  const main = join(ROOT, 'dist', 'apps', 'mockops', 'main.js');
  if (!existsSync(main)) throw new Error('dist/apps/mockops/main.js is missing: run `npm run build` first');
  const built = statSync(join(ROOT, 'dist', 'apps', 'mockops', 'src', 'main.js')).mtimeMs;
  const src = Math.max(newestSource(join(ROOT, 'libs')), newestSource(join(ROOT, 'apps')));
  return src > built ? 'dist/ is older than some sources: the numbers are for the last `npm run build`' : undefined;
}

// ---------------------------------------------------------------- /proc

/** utime+stime (seconds) and VmRSS (bytes) of one process; undefined once it is gone. */
export function readProc(pid: number): { cpuS: number; rssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuS, rssBytes: rssKb * 1024 };
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the whole machine (/proc/stat): how loaded the shared box was. */
export function readMachine(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Samples the RSS of some processes every `everyMs` until stopped: peak and last per name. */
export class RssSampler {
  private readonly peaks = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: () => Map<string, number>,
    everyMs = 100,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    for (const [name, pid] of this.pids()) {
      const p = readProc(pid);
      if (p) this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, p.rssBytes));
    }
  }

  /** Peak RSS per name since the last reset. */
  take(): Map<string, number> {
    this.sample();
    const out = new Map(this.peaks);
    this.peaks.clear();
    return out;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------- Redis

export interface PrivateRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * A redis-server of our own (same binary and persistence settings as the shared one: no RDB, no AOF),
 * so INFO commandstats and MONITOR see only this benchmark. BENCH_REDIS_URL uses another Redis instead
 * (its counts then include whatever else runs there).
 */
export async function startPrivateRedis(log: WriteStream): Promise<PrivateRedis> {
  const bin = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!bin) throw new Error('redis-server is not on the PATH (or set BENCH_REDIS_URL)');
  const port = await freePort();
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => log.write(`[redis] ${d}`));
  child.stderr!.on('data', (d) => log.write(`[redis] ${d}`));
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const ok = await probe
      .connect()
      .then(() => probe.ping())
      .then(
        (r) => r === 'PONG',
        () => false,
      );
    probe.disconnect();
    if (ok) {
      return {
        url,
        pid: child.pid!,
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error('the private redis-server did not start');
}

/** INFO commandstats as command → { calls, usec }. */
export async function commandStats(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const text = await redis.info('commandstats');
  const out = new Map<string, { calls: number; usec: number }>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) out.set(m[1], { calls: Number(m[2]), usec: Number(m[3]) });
  return out;
}

/** What the benchmark's own measuring sends (left out of the counts). */
const MEASURING = new Set(['info', 'config|resetstat', 'config|get', 'monitor', 'ping', 'client|setname', 'client|setinfo', 'select', 'hello']);

export function commandDelta(
  before: Map<string, { calls: number; usec: number }>,
  after: Map<string, { calls: number; usec: number }>,
): Map<string, { calls: number; usec: number }> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const [name, a] of after) {
    if (MEASURING.has(name)) continue;
    const b = before.get(name) ?? { calls: 0, usec: 0 };
    if (a.calls > b.calls) out.set(name, { calls: a.calls - b.calls, usec: a.usec - b.usec });
  }
  return out;
}

// ---------------------------------------------------------------- Postgres

export interface BenchDatabase {
  url: string;
  name: string;
  /** True when the database is the benchmark's own: pg_stat_database counts only its sessions. */
  own: boolean;
  /** Why the fallback was taken. */
  note?: string;
  drop(): Promise<void>;
}

/**
 * A database of our own on the shared server, so that pg_stat_database's transaction counters
 * count only this benchmark's sessions; dropped at the end. Falls back to the test database (where
 * other sessions add to the counters) when CREATE DATABASE is refused.
 */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `mockops_bench_${uniqueSuffix()}`;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (e) {
    await admin.end();
    return { url: TEST_DATABASE_URL, name: new URL(TEST_DATABASE_URL).pathname.slice(1), own: false, note: String(e), drop: async () => undefined };
  }
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    own: true,
    drop: async () => {
      const c = new Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Reads the shared server's counters from the test database (so the reads do not count in ours). */
export class PgCounters {
  private constructor(private readonly client: Client) {}

  static async open(): Promise<PgCounters> {
    const client = new Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    return new PgCounters(client);
  }

  /** Committed + rolled-back transactions of a database (flushed by backends at most once a second). */
  async transactions(db: string): Promise<number> {
    const { rows } = await this.client.query(`SELECT (xact_commit + xact_rollback)::bigint AS n FROM pg_stat_database WHERE datname = $1`, [db]);
    return Number(rows[0]?.n ?? 0);
  }

  /** Backends connected to a database: their pids, for CPU readings. */
  async backends(db: string): Promise<number[]> {
    const { rows } = await this.client.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [db]);
    return rows.map((r) => Number(r.pid));
  }

  async setting(name: string): Promise<string> {
    const { rows } = await this.client.query(`SELECT current_setting($1) AS v`, [name]);
    return String(rows[0].v);
  }

  async query(text: string, params?: unknown[]) {
    return (await this.client.query(text, params)).rows;
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

// ---------------------------------------------------------------- child processes

export interface ProbeStats {
  since: number;
  until: number;
  pg: {
    pool: { acquires: number; ms: number };
    txCount: number;
    statements: Record<string, { calls: number; ms: number; inTx: number; errors: number }>;
    transactions: Record<string, number>;
  };
  redis: { commands: Record<string, { calls: number; ms: number }> };
  scripts: Record<string, string>;
}

export interface BenchChild {
  name: string;
  child: ChildProcess;
  pid: number;
  /** `http://127.0.0.1:<port>` for apps that serve HTTP. */
  url?: string;
  probePort: number;
  /** Spawn → ready (healthz answers / "started" logged), ms. */
  bootMs: number;
  stats(reset?: boolean): Promise<ProbeStats>;
  mem(): Promise<{ memory: NodeJS.MemoryUsage; heap: Record<string, number> }>;
  clockUs(): Promise<number>;
  stop(): Promise<void>;
}

async function probeGet<T>(port: number, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  if (!res.ok) throw new Error(`probe ${path}: ${res.status}`);
  return (await res.json()) as T;
}

export interface SpawnOptions {
  name: string;
  /** Arguments after node's own (the script and its arguments). */
  args: string[];
  env: Record<string, string>;
  /** Extra node options before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Wait for `GET <url>/healthz`; otherwise for `readyText` in the output. */
  http?: boolean;
  readyText?: string;
  log: WriteStream;
  timeoutMs?: number;
}

/** Starts a child with the probe preloaded and waits until it is ready. */
export async function spawnChild(opts: SpawnOptions): Promise<BenchChild> {
  const probePort = await freePort();
  const port = opts.http ? await freePort() : undefined;
  const env: Record<string, string> = { ...process.env, ...opts.env, BENCH_PROBE_PORT: String(probePort) } as Record<string, string>;
  if (port) env.PORT = String(port);
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-r', PRELOAD, ...(opts.nodeArgs ?? []), ...opts.args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let partial = '';
  const onData = (d: Buffer) => {
    const s = String(d);
    if (output.length < 200_000) output += s;
    const lines = (partial + s).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) opts.log.write(`[${opts.name}] ${line}\n`);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const url = port ? `http://127.0.0.1:${port}` : undefined;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${opts.name} exited with ${child.exitCode}:\n${output.slice(-4000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${opts.name} did not start:\n${output.slice(-4000)}`);
    }
    const ready = url ? await fetch(`${url}/healthz`).then((r) => r.ok, () => false) : output.includes(opts.readyText ?? `${opts.name} started`);
    if (ready) break;
    await sleep(50);
  }
  const bootMs = performance.now() - t0;
  return {
    name: opts.name,
    child,
    pid: child.pid!,
    url,
    probePort,
    bootMs,
    stats: (reset = false) => probeGet<ProbeStats>(probePort, `/stats${reset ? '?reset=1' : ''}`),
    mem: () => probeGet(probePort, '/mem'),
    clockUs: async () => (await probeGet<{ hrtimeUs: number }>(probePort, '/clock')).hrtimeUs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

// ---------------------------------------------------------------- the webhook sink

export interface Arrival {
  t: number;
  step: string;
  execution: string;
}

/**
 * The local HTTP server every webhook (product and raw) is POSTed to. Answers 200 at once and keys
 * arrivals by the body's `message` (the event id), noting the step name and execution id.
 */
export class Sink {
  readonly arrivals = new Map<string, Arrival[]>();
  total = 0;
  lastAt = 0;
  private waiters: { id?: string; n: number; resolve: () => void }[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.read(req).then(
        (body) => {
          const t = performance.now();
          try {
            const json = JSON.parse(body) as { message?: string; step?: { name?: string }; execution?: { id?: string } };
            this.record(String(json.message), { t, step: String(json.step?.name ?? ''), execution: String(json.execution?.id ?? '') });
          } catch {
            // Not ours.
          }
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
        },
        () => res.destroy(),
      );
    });
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private read(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  private record(id: string, a: Arrival): void {
    const list = this.arrivals.get(id) ?? [];
    list.push(a);
    this.arrivals.set(id, list);
    this.total++;
    this.lastAt = a.t;
    this.waiters = this.waiters.filter((w) => {
      const done = w.id === undefined ? this.total >= w.n : (this.arrivals.get(w.id)?.length ?? 0) >= w.n;
      if (done) w.resolve();
      return !done;
    });
  }

  /** Resolves when `id` has `n` arrivals (or, without id, when `n` arrived in all); rejects after timeoutMs. */
  waitFor(id: string | undefined, n: number, timeoutMs: number): Promise<void> {
    const have = id === undefined ? this.total : (this.arrivals.get(id)?.length ?? 0);
    if (have >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${n} webhook(s)${id ? ` of ${id}` : ''} (have ${id === undefined ? this.total : (this.arrivals.get(id)?.length ?? 0)})`));
      }, timeoutMs);
      const waiter = {
        id,
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  reset(): void {
    this.arrivals.clear();
    this.total = 0;
    this.lastAt = 0;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

export function openLog(path: string): WriteStream {
  return createWriteStream(path);
}
