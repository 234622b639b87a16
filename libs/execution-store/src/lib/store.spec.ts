import type { DataSource } from 'typeorm';
import { openStore } from './store';

// openStore puts the methods of the four seams on one object; a name defined twice would make one
// seam's method silently replace the other's, so it refuses to build.
describe('openStore', () => {
  // The stores only read the schema option when built; no query runs here.
  const ds = { options: { type: 'postgres' } } as unknown as DataSource;

  it('offers every seam on one object, each method bound to its own store', () => {
    const store = openStore(ds);
    for (const name of ['createPipeline', 'createExecutions', 'claimStepRun', 'pipelineStats', 'rerunExecution', 'findAbandonedStepRuns'] as const) {
      expect(typeof store[name]).toBe('function');
    }
  });
});
