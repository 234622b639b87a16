import type { ApiKeyEntry } from '@mockops/gateway-api';
import type { ArtifactRecord, ArtifactWithContent } from '@mockops/execution-store';

export const ARTIFACTS_OPTIONS = Symbol('ARTIFACTS_OPTIONS');

export interface ArtifactsModuleOptions {
  /** The artifact table (ArtifactStore). */
  artifacts: {
    list(executionId: string): Promise<ArtifactRecord[]>;
    get(executionId: string, name: string): Promise<ArtifactWithContent | null>;
  };
  /** Execution and pipeline lookups for access checks (ExecutionStore). */
  store: {
    getExecution(id: string): Promise<{ pipelineId: string; workspaceId: string | null } | null>;
  };
  /** MOCKOPS_API_KEYS text or parsed entries, the same as the gateway's; none = open (loopback only). */
  apiKeys?: string | ApiKeyEntry[];
}
