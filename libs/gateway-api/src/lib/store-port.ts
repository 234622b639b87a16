import type { Store } from '@mockops/execution-store';

/** The part of the store the gateway uses. */
export type GatewayStore = Pick<
  Store,
  | 'createPipeline'
  | 'addRevision'
  | 'getPipeline'
  | 'listPipelines'
  | 'setPipelineEnabled'
  | 'deletePipeline'
  | 'listRevisions'
  | 'pipelineStats'
  | 'getExecution'
  | 'listExecutions'
  | 'cancelExecution'
  | 'rerunExecution'
  | 'listExecutionEvents'
  | 'findEvents'
  | 'resolveParkedStepRun'
>;

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** A real round trip to Postgres through the store (a lookup that finds nothing). */
export function defaultDatabasePing(store: GatewayStore): () => Promise<unknown> {
  return () => store.getPipeline(NIL_UUID);
}
