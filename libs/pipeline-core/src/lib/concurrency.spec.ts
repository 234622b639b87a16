import { anEvent } from '../test-builders';
import { admitToGroup, compareOrder, concurrencyGroupKey, eventOrderFromStreamId, releaseGroup, type ConcurrencyGroupState, type ConcurrencyRun } from './concurrency';

const run = (executionId: string, ...order: number[]): ConcurrencyRun => ({ executionId, order });
const ids = (state: ConcurrencyGroupState) => ({ holder: state.holder?.executionId ?? null, queue: state.queue.map((q) => q.executionId) });

describe('concurrencyGroupKey', () => {
  const pipeline = { id: 'p-1', name: 'deploy' };
  const event = anEvent({ type: 'promotion.completed', workspace_id: 'ws-a', payload: { entity_id: 'checkout' } });

  it('renders the group from the event and scopes the key to the owner', () => {
    const owned = concurrencyGroupKey({ group: 'deploy-{{ event.entity_id }}' }, { event, pipeline, ownerWorkspaceId: 'ws-a' });
    const global = concurrencyGroupKey({ group: 'deploy-{{ event.entity_id }}' }, { event, pipeline, ownerWorkspaceId: null });
    const other = concurrencyGroupKey({ group: 'deploy-{{ event.entity_id }}' }, { event, pipeline, ownerWorkspaceId: 'ws-b' });
    expect(owned).toMatchObject({ ok: true, group: 'deploy-checkout' });
    expect(global).toMatchObject({ ok: true, group: 'deploy-checkout' });
    const keys = [owned, global, other].map((k) => (k.ok ? k.key : k.error));
    expect(new Set(keys).size).toBe(3);
  });

  it('accepts a plain group name and the pipeline name', () => {
    expect(concurrencyGroupKey({ group: 'releases' }, { event, pipeline })).toMatchObject({ ok: true, group: 'releases' });
    expect(concurrencyGroupKey({ group: '{{ pipeline.name }}/{{ workspace_id }}' }, { event, pipeline })).toMatchObject({ ok: true, group: 'deploy/ws-a' });
  });

  it('reports a render error clearly', () => {
    expect(concurrencyGroupKey({ group: '{{ event.missing }}' }, { event, pipeline })).toEqual({ ok: false, error: 'concurrency.group: undefined variable "event.missing"' });
    expect(concurrencyGroupKey({ group: "{{ event.missing | default: '' }}" }, { event, pipeline })).toEqual({
      ok: false,
      error: expect.stringContaining('rendered an empty key'),
    });
  });
});

describe('event order', () => {
  it('reads a stream entry id and compares element by element', () => {
    expect(eventOrderFromStreamId('1700000000000-3')).toEqual([1700000000000, 3]);
    expect(eventOrderFromStreamId('nope')).toBeNull();
    expect(compareOrder([1, 2], [1, 10])).toBeLessThan(0);
    expect(compareOrder([2], [1, 99])).toBeGreaterThan(0);
    expect(compareOrder([5, 0], [5, 0])).toBe(0);
  });
});

describe('admitToGroup / releaseGroup (queue in event order)', () => {
  it('starts the first run and queues the next ones in event order, a late event before newer ones', () => {
    const a = admitToGroup(null, run('a', 10));
    expect(a).toMatchObject({ run: 'start', start: ['a'], cancel: [] });
    const b = admitToGroup(a.state, run('b', 30));
    expect(b).toMatchObject({ run: 'wait', start: [], cancel: [] });
    const c = admitToGroup(b.state, run('c', 20));
    expect(ids(c.state)).toEqual({ holder: 'a', queue: ['c', 'b'] });
    const d = admitToGroup(c.state, run('d', 30));
    expect(ids(d.state)).toEqual({ holder: 'a', queue: ['c', 'b', 'd'] });
  });

  it('hands the group to the next waiting run when the holder finishes', () => {
    let state = admitToGroup(null, run('a', 1)).state;
    state = admitToGroup(state, run('b', 2)).state;
    state = admitToGroup(state, run('c', 3)).state;
    const r1 = releaseGroup(state, 'a');
    expect(r1).toMatchObject({ start: ['b'], cancel: [] });
    expect(ids(r1.state)).toEqual({ holder: 'b', queue: ['c'] });
    const cancelledWhileWaiting = releaseGroup(r1.state, 'c');
    expect(cancelledWhileWaiting.start).toEqual([]);
    expect(ids(cancelledWhileWaiting.state)).toEqual({ holder: 'b', queue: [] });
    expect(ids(releaseGroup(cancelledWhileWaiting.state, 'b').state)).toEqual({ holder: null, queue: [] });
    expect(releaseGroup(cancelledWhileWaiting.state, 'unknown').state).toEqual(cancelledWhileWaiting.state);
  });

  it('cancels a run when the group already holds maxQueued waiting ones', () => {
    let state = admitToGroup(null, run('a', 1)).state;
    state = admitToGroup(state, run('b', 2), { maxQueued: 1 }).state;
    expect(admitToGroup(state, run('c', 3), { maxQueued: 1 })).toMatchObject({
      run: 'cancel',
      cancel: [{ executionId: 'c', reason: 'the concurrency group already has 1 executions waiting' }],
    });
  });
});

describe('admitToGroup with cancel_in_progress (the newest event wins)', () => {
  const opts = { cancelInProgress: true };

  it('asks the holder to stop and lets the new run wait for the release', () => {
    const a = admitToGroup(null, run('a', 1), opts);
    const b = admitToGroup(a.state, run('b', 2), opts);
    expect(b).toMatchObject({ run: 'wait', start: [], cancel: [{ executionId: 'a', reason: 'cancelled by execution b in the same concurrency group (cancel_in_progress)' }] });
    expect(b.state.holder).toMatchObject({ executionId: 'a', cancelling: true });
    expect(releaseGroup(b.state, 'a')).toMatchObject({ start: ['b'], state: { holder: { executionId: 'b' }, queue: [] } });
  });

  it('cancels the waiting run, not the stopping holder again, when an even newer one comes', () => {
    const a = admitToGroup(null, run('a', 1), opts);
    const b = admitToGroup(a.state, run('b', 2), opts);
    const c = admitToGroup(b.state, run('c', 3), opts);
    expect(c.cancel).toEqual([{ executionId: 'b', reason: 'superseded by execution c (cancel_in_progress)' }]);
    expect(ids(c.state)).toEqual({ holder: 'a', queue: ['c'] });
  });

  it('never lets a late, older event cancel newer work: the late run is cancelled itself', () => {
    const a = admitToGroup(null, run('a', 5), opts);
    const late = admitToGroup(a.state, run('old', 4), opts);
    expect(late).toMatchObject({ run: 'cancel', cancel: [{ executionId: 'old', reason: expect.stringContaining('superseded: execution a has a newer event') }] });
    expect(late.state).toEqual(a.state);
  });

  it('starts at once in a free group', () => {
    expect(admitToGroup({ holder: null, queue: [] }, run('a', 1), opts)).toMatchObject({ run: 'start', start: ['a'], cancel: [] });
  });
});
