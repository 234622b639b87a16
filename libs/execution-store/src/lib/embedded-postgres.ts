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

// PGlite runs in a worker thread: its WASM Postgres executes queries synchronously, which would
// otherwise stall the app's event loop, and it loads node built-ins with dynamic import(), which a
// plain thread supports in every host (Jest's module sandbox does not).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { PGlite } = require(workerData.pglite);
  const { PGLiteSocketServer } = require(workerData.socket);
  const db = await PGlite.create({ dataDir: workerData.dataDir });
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
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      pglite: require.resolve('@electric-sql/pglite'),
      socket: require.resolve('@electric-sql/pglite-socket'),
      dataDir,
      port: opts.port ?? 0,
      maxConnections: opts.maxConnections ?? EMBEDDED_MAX_CONNECTIONS,
    },
  });
  const exited = new Promise<void>((done) => worker.once('exit', () => done()));
  const hostPort = await new Promise<string>((ready, fail) => {
    worker.once('message', (m: { ready?: string; failed?: string }) =>
      m.ready ? ready(m.ready) : fail(new Error(`embedded Postgres failed to start: ${m.failed}`)),
    );
    worker.once('error', (e) => fail(new Error(`embedded Postgres failed to start: ${e.message}`)));
    worker.once('exit', (code) => fail(new Error(`embedded Postgres exited during start (code ${code})`)));
  });
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
