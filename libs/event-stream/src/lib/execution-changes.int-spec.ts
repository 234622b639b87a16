import { Redis } from 'ioredis';
import { ExecutionChangeNotifier, subscribeExecutionChanges, type ExecutionChange } from './execution-changes';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('ExecutionChangeNotifier (real Redis pub/sub)', () => {
  const stream = `test:changes:${process.pid}:${Date.now()}`;
  let publisher: Redis;
  let subscriber: Redis;

  beforeAll(() => {
    publisher = new Redis(REDIS_URL);
    subscriber = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    publisher.disconnect();
    subscriber.disconnect();
  });

  it('delivers notices to subscribers of the stream’s channel, and ignores what is not a notice', async () => {
    const received: ExecutionChange[] = [];
    const unsubscribe = await subscribeExecutionChanges(subscriber, stream, (c) => received.push(c));
    const change: ExecutionChange = { execution_id: 'e-1', pipeline_id: 'p-1', workspace_id: 'ws-a', status: 'running', step: 'hook', step_status: 'running' };
    await publisher.publish(`${stream}:execution-changes`, 'not json');
    await publisher.publish(`${stream}:execution-changes`, JSON.stringify({ execution_id: 'e-0' }));
    new ExecutionChangeNotifier(publisher, stream).notify(change);
    new ExecutionChangeNotifier(publisher, `${stream}-other`).notify({ ...change, execution_id: 'elsewhere' });
    const deadline = Date.now() + 5000;
    while (received.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([change]);
    await unsubscribe();
  });

  it('sends nothing for a while after a notice reached nobody, and again once someone listens', async () => {
    const quiet = `${stream}:quiet`;
    const sent: string[] = [];
    let clock = 1_000;
    const counting = { publish: (channel: string, message: string) => (sent.push(message), publisher.publish(channel, message)) };
    const notifier = new ExecutionChangeNotifier(counting as never, quiet, 250, () => clock);
    const change = (id: string): ExecutionChange => ({ execution_id: id, pipeline_id: 'p', workspace_id: null, status: 'running' });
    const settle = () => new Promise((r) => setTimeout(r, 50));

    notifier.notify(change('nobody-1'));
    await settle();
    notifier.notify(change('skipped-1'));
    notifier.notify(change('skipped-2'));
    expect(sent.map((m) => JSON.parse(m).execution_id)).toEqual(['nobody-1']);

    const received: ExecutionChange[] = [];
    const unsubscribe = await subscribeExecutionChanges(subscriber, quiet, (c) => received.push(c));
    clock += 251;
    notifier.notify(change('heard-1'));
    await settle();
    notifier.notify(change('heard-2'));
    const deadline = Date.now() + 5000;
    while (received.length < 2 && Date.now() < deadline) await settle();
    expect(received.map((c) => c.execution_id)).toEqual(['heard-1', 'heard-2']);
    await unsubscribe();
  });

  it('never throws nor rejects when Redis is gone: a notice is only a hint', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const notifier = new ExecutionChangeNotifier(dead, stream);
      expect(() => notifier.notify({ execution_id: 'e', pipeline_id: 'p', workspace_id: null, status: 'failed' })).not.toThrow();
      const throwing = new ExecutionChangeNotifier({ publish: () => { throw new Error('connection is closed'); } } as never, stream);
      expect(() => throwing.notify({ execution_id: 'e', pipeline_id: 'p', workspace_id: null, status: 'failed' })).not.toThrow();
      await new Promise((r) => setTimeout(r, 200));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      dead.disconnect();
    }
  });
});
