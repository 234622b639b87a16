import { InitialSchema1735689600000 } from './1735689600000-initial-schema.migration';
import { ExecutionRunAttempt1735689650000 } from './1735689650000-execution-run-attempt.migration';

/** Registered as classes, not globs, so migrations work from a bundle or compiled output. */
export const STORE_MIGRATIONS = [InitialSchema1735689600000, ExecutionRunAttempt1735689650000];
