import { Inject, Injectable } from '@nestjs/common';
import type { ArtifactRecord, ArtifactWithContent } from '@mockops/execution-store';
import { Principal, canAccessWorkspace } from '../auth/api-keys';
import { GatewayError } from '../errors/gateway-error';
import { GATEWAY_OPTIONS, type GatewayArtifacts, type ResolvedGatewayOptions } from '../gateway.options';

/** An artifact as the API shows it (snake_case like the rest of the API). */
export interface ArtifactView {
  name: string;
  step_name: string;
  media_type: string;
  size: number;
  sha256: string;
  created_at: string;
  url: string;
}

@Injectable()
export class ArtifactsService {
  constructor(@Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions) {}

  private get artifacts(): GatewayArtifacts {
    if (!this.options.artifacts) throw new GatewayError('UNAVAILABLE', 'artifacts are not available on this gateway');
    return this.options.artifacts;
  }

  async list(principal: Principal, executionId: string): Promise<{ items: ArtifactView[]; next_cursor: null }> {
    await this.assertVisible(principal, executionId);
    const items = await this.artifacts.list(executionId);
    return { items: items.map((a) => present(a)), next_cursor: null };
  }

  async get(principal: Principal, executionId: string, name: string): Promise<ArtifactWithContent> {
    await this.assertVisible(principal, executionId);
    const artifact = await this.artifacts.get(executionId, name);
    if (!artifact) throw new GatewayError('NOT_FOUND', `artifact "${name}" of execution ${executionId} not found`);
    return artifact;
  }

  /** Same rule as the executions API: the execution's owner workspace decides; unknown and hidden look alike (404). */
  private async assertVisible(principal: Principal, executionId: string): Promise<void> {
    const execution = await this.options.store.getExecution(executionId);
    if (!execution || !canAccessWorkspace(principal, execution.workspaceId)) throw GatewayError.notFound('execution', executionId);
  }
}

export function present(a: ArtifactRecord): ArtifactView {
  return {
    name: a.name,
    step_name: a.stepName,
    media_type: a.mediaType,
    size: a.size,
    sha256: a.sha256,
    created_at: a.createdAt,
    url: `/api/v1/executions/${a.executionId}/artifacts/${a.name}`,
  };
}
