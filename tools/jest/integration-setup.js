// Fails the integration tier early, with a clear message, when Postgres or Redis does not answer, and
// builds dist/ once for the end-to-end specs that start the apps as processes (several of them
// building at the same time would delete each other's output).
const { execFileSync } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');

function probe(url, defaultPort) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    socket.setTimeout(3000);
    socket.once('connect', () => { socket.destroy(); resolve(); });
    socket.once('timeout', () => { socket.destroy(); reject(new Error(`timeout connecting to ${u.host}`)); });
    socket.once('error', reject);
  });
}

module.exports = async () => {
  // Services booted by tests log warnings and errors only (LOG_LEVEL=log to see everything).
  process.env.LOG_LEVEL ??= 'warn';
  process.env.TEST_DATABASE_URL ??= process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  process.env.TEST_REDIS_URL ??= process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  try {
    await probe(process.env.TEST_DATABASE_URL, 5432);
  } catch (e) {
    throw new Error(`Integration tests need Postgres at ${process.env.TEST_DATABASE_URL}: ${e.message}`);
  }
  try {
    await probe(process.env.TEST_REDIS_URL, 6379);
  } catch (e) {
    throw new Error(`Integration tests need Redis at ${process.env.TEST_REDIS_URL}: ${e.message}`);
  }
  execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'build.js')], { stdio: 'ignore' });
};
