// PGlite on its own (no app), for the step-path benchmark's memory table: RSS once ready, on a fresh
// data directory (initdb runs first) or an existing one, with the given PGlite options.
// Usage: node pglite-alone.js <dataDir> '<options JSON>'  → prints one JSON line.
'use strict';
const { readFileSync } = require('node:fs');
const { PGlite } = require('@electric-sql/pglite');

const rssBytes = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;

(async () => {
  const [dataDir, json] = process.argv.slice(2);
  const started = Date.now();
  const db = await PGlite.create({ dataDir, ...JSON.parse(json || '{}') });
  await db.query('SELECT 1');
  const readyMs = Date.now() - started;
  const { rows } = await db.query(`SELECT setting::bigint * 8192 AS bytes FROM pg_settings WHERE name = 'shared_buffers'`);
  console.log(JSON.stringify({ rssBytes: rssBytes(), readyMs, sharedBuffersBytes: Number(rows[0].bytes) }));
  await db.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
