import type { PipelineDocument } from '@mockops/pipeline-core';
import { ConcurrencyGroups, type ConcurrencyGroupStore, type GroupOutcome } from './concurrency-groups';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

function doc(cancelInProgress?: boolean): PipelineDocument {
  return {
    name: 'p',
    definition: { enabled: true, triggers: [{ event: 'x' }], steps: [], concurrency: { group: 'g', ...(cancelInProgress === undefined ? {} : { cancel_in_progress: cancelInProgress }) } },
  } as PipelineDocument;
}

/** A store port that records the calls and answers what the test set. */
function storeWith(answers: { admit?: GroupOutcome; release?: string[]; work?: { idleKeys: string[]; stalled: string[] }; releaseKey?: Record<string, string[]> }) {
  const calls: unknown[][] = [];
  const store: ConcurrencyGroupStore = {
    admitToConcurrencyGroup: async (id, req) => (calls.push(['admit', id, req]), answers.admit ?? { run: 'none', started: [], cancelled: [] }),
    releaseConcurrencyGroup: async (id) => (calls.push(['release', id]), answers.release ?? []),
    releaseConcurrencyKey: async (key) => (calls.push(['releaseKey', key]), answers.releaseKey?.[key] ?? []),
    findConcurrencyWork: async (graceMs) => (calls.push(['work', graceMs]), answers.work ?? { idleKeys: [], stalled: [] }),
  };
  return { store, calls };
}

function groupsOn(store: ConcurrencyGroupStore, stalledAfterMs = 5000) {
  const advanced: string[] = [];
  const cancelled: string[] = [];
  const groups = new ConcurrencyGroups({ store, logger: quiet, stalledAfterMs, onCancelled: (c) => void cancelled.push(c.executionId) });
  groups.attach({ advance: async (id) => void advanced.push(id) });
  return { groups, advanced, cancelled };
}

describe('ConcurrencyGroups', () => {
  it("admits with the pipeline's cancel_in_progress and the group, reports the cancelled, and advances every execution the decision started", async () => {
    const { store, calls } = storeWith({ admit: { run: 'start', started: ['new', 'other'], cancelled: [{ executionId: 'old', reason: 'r' }] } });
    const { groups, advanced, cancelled } = groupsOn(store);
    const join = { key: 'k', name: 'g', order: [1, 0] };
    expect((await groups.admit('new', doc(true), join)).run).toBe('start');
    expect(calls).toEqual([['admit', 'new', { group: join, cancelInProgress: true }]]);
    expect(advanced).toEqual(['new', 'other']);
    expect(cancelled).toEqual(['old']);
    await groups.admit('again', doc());
    expect(calls[1]).toEqual(['admit', 'again', { group: undefined, cancelInProgress: false }]);
  });

  it('a release advances the next execution the store started, and nothing when it started none', async () => {
    const { store } = storeWith({ release: ['next'] });
    const { groups, advanced } = groupsOn(store);
    await groups.released('ended');
    expect(advanced).toEqual(['next']);
    const idle = groupsOn(storeWith({ release: [] }).store);
    await idle.groups.released('ended');
    expect(idle.advanced).toEqual([]);
  });

  it('a sweep starts the next of every group left without a holder and re-advances stalled executions', async () => {
    const { store, calls } = storeWith({ work: { idleKeys: ['k1', 'k2'], stalled: ['s1'] }, releaseKey: { k1: ['a'], k2: [] } });
    const { groups, advanced } = groupsOn(store, 7000);
    await groups.sweep();
    expect(calls).toEqual([['work', 7000], ['releaseKey', 'k1'], ['releaseKey', 'k2']]);
    expect(advanced).toEqual(['a', 's1']);
  });

  it('refuses to start executions before it is attached to an advancer', async () => {
    const groups = new ConcurrencyGroups({ store: storeWith({ release: ['x'] }).store, logger: quiet });
    await expect(groups.released('y')).rejects.toThrow('attach');
  });
});
