import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../runtime/mockops-process';

export interface RedisClusterPeer {
  /** The nodes' ports (each a primary holding a third of the slots). */
  ports: number[];
  /** `redis://127.0.0.1:<port>` of the first node: what REDIS_URL names in cluster mode. */
  url: string;
  stop(): Promise<void>;
}

const cli = (port: number, ...args: string[]) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });

/**
 * A real Redis Cluster of `size` primaries on loopback: redis-server processes with cluster mode on,
 * no persistence, slots spread by `redis-cli --cluster create`. Resolves once every node says
 * `cluster_state:ok`.
 */
export async function startRedisCluster(size = 3): Promise<RedisClusterPeer> {
  if (spawnSync('sh', ['-c', 'command -v redis-server && command -v redis-cli']).status !== 0) {
    throw new Error('the Redis Cluster tests need redis-server and redis-cli on the PATH (Debian: apt-get install redis-server)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'mockops-cluster-'));
  const nodes: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    for (const node of nodes) node.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i++) ports.push(await freePort());
    for (const port of ports) {
      nodes.push(
        spawn(
          'redis-server',
          ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--save', '', '--appendonly', 'no', '--dir', dir],
          { stdio: 'ignore' },
        ),
      );
    }
    for (const port of ports) {
      for (let i = 0; cli(port, 'ping').stdout.trim() !== 'PONG'; i++) {
        if (i > 100) throw new Error(`redis-server on ${port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    for (let i = 0; !ports.every((p) => cli(p, 'cluster', 'info').stdout.includes('cluster_state:ok')); i++) {
      if (i > 200) throw new Error('the Redis Cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 50));
    }
    return { ports, url: `redis://127.0.0.1:${ports[0]}`, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface RedisServerPeer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * A redis-server of the test's own on loopback (no persistence): for tests that must see only their
 * own traffic (MONITOR, key scans) while other test files use the shared Redis.
 */
export async function startRedisServer(): Promise<RedisServerPeer> {
  const port = await freePort();
  const node = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const stop = async () => {
    node.kill('SIGKILL');
  };
  for (let i = 0; cli(port, 'ping').stdout.trim() !== 'PONG'; i++) {
    if (i > 100) {
      await stop();
      throw new Error(`redis-server on ${port} did not start (the test needs redis-server on the PATH)`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, url: `redis://127.0.0.1:${port}`, stop };
}
