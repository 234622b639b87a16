import { InitialSchema1735689600000 } from './1735689600000-initial-schema.migration';
import { ExecutionRunAttempt1735689650000 } from './1735689650000-execution-run-attempt.migration';
import { Artifacts1764000000000 } from './1764000000000-artifacts.migration';
import { Promotions1764100000000 } from './1764100000000-promotions.migration';
import { Tenancy1764200000000 } from './1764200000000-tenancy.migration';
import { ExecutionsQueuedIndex1764300000000 } from './1764300000000-executions-queued-index.migration';
import { ExecutionTrace1764400000000 } from './1764400000000-execution-trace.migration';
import { StepProgress1764450000000 } from './1764450000000-step-progress.migration';
import { StepSkipReason1764500000000 } from './1764500000000-step-skip-reason.migration';
import { StepRunReuse1764510000000 } from './1764510000000-step-run-reuse.migration';
import { ExecutionsEventIndex1764520000000 } from './1764520000000-executions-event-index.migration';
import { ConcurrencyDebounce1764570000000 } from './1764570000000-concurrency-debounce.migration';
import { PartitionExecutions1764600000000 } from './1764600000000-partition-executions.migration';

/** Registered as classes, not globs, so migrations work from a bundle or compiled output. */
export const STORE_MIGRATIONS = [
  InitialSchema1735689600000,
  ExecutionRunAttempt1735689650000,
  Artifacts1764000000000,
  Promotions1764100000000,
  Tenancy1764200000000,
  ExecutionsQueuedIndex1764300000000,
  ExecutionTrace1764400000000,
  StepProgress1764450000000,
  StepSkipReason1764500000000,
  StepRunReuse1764510000000,
  ExecutionsEventIndex1764520000000,
  ConcurrencyDebounce1764570000000,
  PartitionExecutions1764600000000,
];
