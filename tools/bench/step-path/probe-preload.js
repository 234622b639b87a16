// Loaded with `node -r` into the processes the step-path benchmark starts (never by the product):
// counts every Postgres statement and transaction (pg Client#query) and every Redis command
// (ioredis sendCommand, BullMQ scripts named), with their client-side latency, and serves the counts,
// process.memoryUsage() and the process clock on http://127.0.0.1:$BENCH_PROBE_PORT.
//   GET /stats[?reset=1]  counts since the last reset
//   GET /mem              process.memoryUsage() and V8 heap statistics
//   GET /clock            process.hrtime in µs (the clock of --cpu-prof timestamps)
'use strict';
const http = require('node:http');
const v8 = require('node:v8');
const { createHash } = require('node:crypto');

// `-r` also runs in worker threads (PGlite, SDK generation): only the main thread serves the probe.
const port = require('node:worker_threads').isMainThread ? Number(process.env.BENCH_PROBE_PORT) : 0;
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function freshStats() {
  return {
    since: Date.now(),
    pg: {
      /** Waits for a pooled connection (pg.Pool#connect): count and total ms. */
      pool: { acquires: 0, ms: 0 },
      /** Statement text (whitespace collapsed, schema names dropped) → { calls, ms, inTx, errors }. */
      statements: new Map(),
      /** Transaction shape (its statements joined by " ; ") → count. Autocommit statements are one-statement shapes. */
      transactions: new Map(),
      txCount: 0,
    },
    redis: {
      /** Command name (evalsha/eval as `evalsha <BullMQ script>`) → { calls, ms }. */
      commands: new Map(),
    },
  };
}
let stats = freshStats();

// ---------------------------------------------------------------- Postgres (pg)
const schemaRe = /"[A-Za-z_][A-Za-z0-9_$]*"\./g;
const quotedRe = /"([a-z_][a-z0-9_]*)"/g;
const normalised = new Map();
function normalise(text) {
  let out = normalised.get(text);
  if (out === undefined) {
    out = String(text).replace(/\s+/g, ' ').replace(schemaRe, '').replace(quotedRe, '$1').trim();
    if (normalised.size < 5000) normalised.set(text, out);
  }
  return out;
}

function recordStatement(client, text, ms, failed) {
  const key = normalise(text);
  const upper = key.toUpperCase();
  const begins = upper.startsWith('START TRANSACTION') || upper === 'BEGIN' || upper.startsWith('BEGIN ');
  const ends = upper === 'COMMIT' || upper === 'ROLLBACK' || upper.startsWith('COMMIT ') || upper.startsWith('ROLLBACK ');
  const s = stats.pg.statements.get(key) ?? { calls: 0, ms: 0, inTx: 0, errors: 0 };
  s.calls++;
  s.ms += ms;
  if (failed) s.errors++;
  if (client.__benchTx && !begins) s.inTx++;
  stats.pg.statements.set(key, s);
  if (begins) {
    client.__benchTx = [key];
  } else if (client.__benchTx) {
    client.__benchTx.push(key);
    if (ends) {
      const shape = client.__benchTx.join(' ; ');
      stats.pg.transactions.set(shape, (stats.pg.transactions.get(shape) ?? 0) + 1);
      stats.pg.txCount++;
      client.__benchTx = undefined;
    }
  } else {
    stats.pg.transactions.set(key, (stats.pg.transactions.get(key) ?? 0) + 1);
    stats.pg.txCount++;
  }
}

try {
  const pg = require('pg');
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function benchQuery(config, values, callback) {
    if (config == null || typeof config.submit === 'function') return original.apply(this, arguments);
    const text = typeof config === 'string' ? config : config.text;
    const started = nowMs();
    const client = this;
    const cb = typeof values === 'function' ? values : callback;
    if (cb) {
      const wrapped = (err, res) => {
        recordStatement(client, text, nowMs() - started, Boolean(err));
        cb(err, res);
      };
      return typeof values === 'function' ? original.call(this, config, wrapped) : original.call(this, config, values, wrapped);
    }
    const result = original.call(this, config, values);
    result.then(
      () => recordStatement(client, text, nowMs() - started, false),
      () => recordStatement(client, text, nowMs() - started, true),
    );
    return result;
  };
  // TypeORM takes a pooled connection per statement or transaction: time the wait for one.
  const connect = pg.Pool.prototype.connect;
  pg.Pool.prototype.connect = function benchConnect(cb) {
    const started = nowMs();
    const done = () => {
      stats.pg.pool.acquires++;
      stats.pg.pool.ms += nowMs() - started;
    };
    if (typeof cb === 'function') {
      return connect.call(this, (err, client, release) => {
        done();
        cb(err, client, release);
      });
    }
    const result = connect.call(this);
    result.then(done, done);
    return result;
  };
} catch {
  // A process without pg (the raw BullMQ worker) has nothing to count here.
}

// ---------------------------------------------------------------- Redis (ioredis)
const scriptNames = new Map();
try {
  const { Redis } = require('ioredis');
  const define = Redis.prototype.defineCommand;
  Redis.prototype.defineCommand = function benchDefine(name, definition) {
    if (definition && typeof definition.lua === 'string') {
      scriptNames.set(createHash('sha1').update(definition.lua).digest('hex'), String(name).replace(/:[\d.]+$/, '').replace(/-\d+$/, ''));
    }
    return define.call(this, name, definition);
  };
  const send = Redis.prototype.sendCommand;
  const counted = new WeakSet();
  Redis.prototype.sendCommand = function benchSend(command, stream) {
    if (command && !counted.has(command)) {
      counted.add(command);
      let name = String(command.name).toLowerCase();
      if (name === 'evalsha' || name === 'eval') name = `evalsha ${scriptNames.get(String(command.args[0])) ?? 'script'}`;
      const started = nowMs();
      const entry = stats.redis.commands.get(name) ?? { calls: 0, ms: 0 };
      entry.calls++;
      stats.redis.commands.set(name, entry);
      const done = () => {
        entry.ms += nowMs() - started;
      };
      if (command.promise && typeof command.promise.then === 'function') command.promise.then(done, done);
    }
    return send.apply(this, arguments);
  };
} catch {
  // No ioredis: nothing to count.
}

// ---------------------------------------------------------------- the probe server
function snapshot() {
  return {
    since: stats.since,
    until: Date.now(),
    pg: {
      pool: { ...stats.pg.pool },
      txCount: stats.pg.txCount,
      statements: Object.fromEntries(stats.pg.statements),
      transactions: Object.fromEntries(stats.pg.transactions),
    },
    redis: { commands: Object.fromEntries(stats.redis.commands) },
    scripts: Object.fromEntries(scriptNames),
  };
}

/** For a process that requires this file itself (the benchmark): its own counts. */
module.exports = {
  takeStats(reset = false) {
    const out = snapshot();
    if (reset) stats = freshStats();
    return out;
  },
};

if (port) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://probe.invalid');
    let body;
    if (url.pathname === '/stats') {
      body = snapshot();
      if (url.searchParams.get('reset') === '1') stats = freshStats();
    } else if (url.pathname === '/mem') {
      body = { memory: process.memoryUsage(), heap: v8.getHeapStatistics() };
    } else if (url.pathname === '/clock') {
      body = { hrtimeUs: Number(process.hrtime.bigint() / 1000n) };
    } else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  server.listen(port, '127.0.0.1');
  server.unref();
}
