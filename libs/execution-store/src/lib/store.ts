import type { DataSource } from 'typeorm';
import { ConcurrencyStore } from './concurrency.store';
import { DebounceStore } from './debounce.store';
import { ExecutionStore } from './execution.store';
import { PipelineStore } from './pipeline.store';
import { StatsStore } from './stats.store';
import { StepRunStore } from './step-run.store';

type PublicOf<T> = { [K in keyof T]: T[K] };

/**
 * The execution store as one object: pipelines, executions, step runs and stats, each implemented
 * by its own class (one file per seam). Code that needs one seam takes that class, or a narrower
 * port of its own; the runtime hands this whole object to the parts that use several.
 */
export type Store = PublicOf<PipelineStore> &
  PublicOf<ExecutionStore> &
  PublicOf<StepRunStore> &
  PublicOf<StatsStore> &
  PublicOf<ConcurrencyStore> &
  PublicOf<DebounceStore>;

/** The stores over one DataSource, their methods on one object (method names are unique across seams). */
export function openStore(ds: DataSource): Store {
  const store: Record<string, unknown> = {};
  for (const part of [new PipelineStore(ds), new ExecutionStore(ds), new StepRunStore(ds), new StatsStore(ds), new ConcurrencyStore(ds), new DebounceStore(ds)]) {
    const proto = Object.getPrototypeOf(part) as object;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor') continue;
      if (name in store) throw new Error(`store method ${name} is defined by two seams`);
      const method = (part as unknown as Record<string, unknown>)[name];
      if (typeof method === 'function') store[name] = method.bind(part);
    }
  }
  return store as unknown as Store;
}
