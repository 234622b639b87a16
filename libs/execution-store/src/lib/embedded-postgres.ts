import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface EmbeddedPostgresOptions {
  /** Directory holding the database files (created when missing). */
  dataDir: string;
  /** TCP port on 127.0.0.1; default 0 = a free port chosen by the OS. */
  port?: number;
  /** Concurrent client connections the socket server accepts (pglite runs their queries one at a time). */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** postgres:// URL for pg/TypeORM. */
  url: string;
  stop(): Promise<void>;
}

/** Room for a pool of 10 in each of a few processes on one machine. */
const EMBEDDED_MAX_CONNECTIONS = 64;

/**
 * Postgres settings of the embedded server: a development database of a few MB does not need
 * Postgres' 128 MB of shared buffers, which PGlite's WASM memory would hold for the process's life
 * (measured: 272 → 175 MiB RSS for PGlite alone after a restart; docs/performance.md).
 */
const EMBEDDED_SETTINGS = ['shared_buffers=8MB', 'wal_buffers=1MB', 'work_mem=2MB', 'maintenance_work_mem=16MB'];

/**
 * The PGlite thread's V8 young generation, in MiB. Its JS only moves wire-protocol bytes between the
 * socket and the WASM heap (little lives long), yet V8's default (16 MiB semi-spaces) keeps 16 MiB of
 * new space committed once the thread has served some queries; 4 MiB bounds that to 2 MiB
 * (measured: worker new space 16 → 2 MiB, docs/performance.md).
 */
const EMBEDDED_WORKER_YOUNG_GENERATION_MB = 4;

// PGlite runs in a worker thread: its WASM Postgres executes queries synchronously, which would
// otherwise stall the app's event loop, and it loads node built-ins with dynamic import(), which a
// plain thread supports in every host (Jest's module sandbox does not).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { PGlite } = require(workerData.pglite);
  const { PGLiteSocketServer } = require(workerData.socket);
  const db = await PGlite.create({ dataDir: workerData.dataDir, postgresqlconf: workerData.settings });
  const server = new PGLiteSocketServer({
    db, host: '127.0.0.1', port: workerData.port, maxConnections: workerData.maxConnections,
  });
  try {
    await server.start();
  } catch (e) {
    await db.close();
    throw e;
  }
  parentPort.on('message', async (message) => {
    if (message !== 'stop') return;
    await server.stop();
    await db.close();
    parentPort.close();
  });
  // After start() the server reports the port the OS picked.
  parentPort.postMessage({ ready: server.getServerConn() });
})().catch((e) => {
  parentPort.postMessage({ failed: String((e && e.stack) || e) });
  parentPort.close();
});
`;

/**
 * Starts PGlite (Postgres compiled to WASM) on `dataDir` and serves it over the Postgres wire
 * protocol on 127.0.0.1, so the apps use the same pg/TypeORM code path as with a real server.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true });
  // initdb's memory would stay with the process that ran it: it runs in a short-lived process of its
  // own before the server starts (measured: first start 877 → about 250 MiB; docs/performance.md).
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initDataDir(dataDir);
  const { worker, ready } = startWorker({ dataDir, port: opts.port ?? 0, maxConnections: opts.maxConnections ?? EMBEDDED_MAX_CONNECTIONS, settings: EMBEDDED_SETTINGS });
  const exited = new Promise<void>((done) => worker.once('exit', () => done()));
  const hostPort = await ready;
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://postgres@${hostPort}/postgres`,
    stop() {
      stopping ??= (async () => {
        worker.postMessage('stop');
        await exited;
      })();
      return stopping;
    },
  };
}

function startWorker(data: Record<string, unknown>): { worker: Worker; ready: Promise<string> } {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    resourceLimits: { maxYoungGenerationSizeMb: EMBEDDED_WORKER_YOUNG_GENERATION_MB },
    workerData: { pglite: require.resolve('@electric-sql/pglite'), socket: require.resolve('@electric-sql/pglite-socket'), ...data },
  });
  const ready = new Promise<string>((done, fail) => {
    worker.once('message', (m: { ready?: string; failed?: string }) =>
      m.ready ? done(m.ready) : fail(new Error(`embedded Postgres failed to start: ${m.failed}`)),
    );
    worker.once('error', (e) => fail(new Error(`embedded Postgres failed to start: ${e.message}`)));
    worker.once('exit', (code) => fail(new Error(`embedded Postgres exited during start (code ${code})`)));
  });
  return { worker, ready };
}

/** Creates a database cluster in `dataDir` (PGlite's initdb) in a child process, which then exits. */
async function initDataDir(dataDir: string): Promise<void> {
  const script = `const { PGlite } = require(process.argv[1]); PGlite.create({ dataDir: process.argv[2] }).then((db) => db.close()).catch((e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script, require.resolve('@electric-sql/pglite'), dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('exit', done);
  });
  if (code !== 0) throw new Error(`embedded Postgres: creating the database in ${dataDir} failed (exit ${code}): ${stderr.trim()}`);
}

export interface ResolvedDatabase {
  url: string;
  /** Set when DATABASE_URL was unset and an embedded Postgres was started; stop it at shutdown. */
  embedded?: EmbeddedPostgres;
}

/** The given database URL; without one, an embedded Postgres with its files under `<dataDir>/pgdata`. */
export async function resolveDatabase(opts: { url?: string; dataDir: string }): Promise<ResolvedDatabase> {
  const url = opts.url?.trim();
  if (url) return { url };
  const embedded = await startEmbeddedPostgres({ dataDir: join(opts.dataDir, 'pgdata') });
  return { url: embedded.url, embedded };
}
