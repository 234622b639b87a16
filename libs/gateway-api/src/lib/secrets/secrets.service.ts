import { Inject, Injectable, Logger } from '@nestjs/common';
import { SECRET_NAME_PATTERN } from '@mockops/pipeline-core';
import { Principal, canAccessWorkspace } from '../auth/api-keys';
import { GatewayError } from '../errors/gateway-error';
import { GATEWAY_OPTIONS, type GatewaySecrets, type ResolvedGatewayOptions } from '../gateway.options';
import { WORKSPACE_ID_PATTERN } from '../pipelines/pipeline.dto';
import type { RotatedKeyDto, SecretDto, SecretPageDto } from './secret.dto';

/**
 * Workspace secrets: set, list (names only), delete, rotate the encryption key. A scoped key sees
 * its workspaces' secrets only (404 for any other, as if it did not exist); values go in and never
 * come out, not even to admins.
 */
@Injectable()
export class SecretsService {
  private readonly logger = new Logger(SecretsService.name);

  constructor(@Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions) {}

  async put(principal: Principal, workspaceId: string, name: string, body: unknown): Promise<{ created: boolean; secret: SecretDto }> {
    this.checkWorkspace(principal, workspaceId);
    checkName(name);
    const value = (body as { value?: unknown } | null)?.value;
    if (typeof value !== 'string' || value.length === 0) {
      throw new GatewayError('VALIDATION_FAILED', 'the body must be {"value": "<the secret>"}', [{ path: 'value', message: 'a non-empty string' }]);
    }
    const { created, record } = await this.secrets.store.put(workspaceId, name, value);
    this.logger.log(`secret ${name} of workspace ${workspaceId} ${created ? 'created' : 'updated'}`);
    return { created, secret: present(record) };
  }

  async list(principal: Principal, workspaceId: string): Promise<SecretPageDto> {
    this.checkWorkspace(principal, workspaceId);
    return { items: (await this.secrets.store.list(workspaceId)).map(present), next_cursor: null };
  }

  async delete(principal: Principal, workspaceId: string, name: string): Promise<void> {
    this.checkWorkspace(principal, workspaceId);
    if (!(await this.secrets.store.delete(workspaceId, name))) throw GatewayError.notFound('secret', name);
    this.logger.log(`secret ${name} of workspace ${workspaceId} deleted`);
  }

  async rotate(principal: Principal): Promise<RotatedKeyDto> {
    if (principal.workspaces !== null) throw new GatewayError('FORBIDDEN', 'rotating the secrets key needs an admin key');
    const { rotated, activeKeyId, unreadable } = await this.secrets.store.rotate();
    this.logger.log(`secrets key rotation: ${rotated} value(s) re-encrypted under ${activeKeyId}${unreadable.length ? `; ${unreadable.length} do not decrypt` : ''}`);
    return { rotated, active_key_id: activeKeyId, unreadable };
  }

  private get secrets(): GatewaySecrets {
    if (!this.options.secrets) throw new GatewayError('UNAVAILABLE', 'workspace secrets are not available on this gateway');
    return this.options.secrets;
  }

  private checkWorkspace(principal: Principal, workspaceId: string): void {
    if (!WORKSPACE_ID_PATTERN.test(workspaceId)) throw new GatewayError('BAD_REQUEST', 'not a workspace id (letters, digits, _ . : -)');
    if (!canAccessWorkspace(principal, workspaceId)) throw GatewayError.notFound('workspace', workspaceId);
  }
}

function checkName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw new GatewayError('BAD_REQUEST', 'a secret name starts with a letter or _ and has up to 128 letters, digits and _', [{ path: 'name', message: 'invalid secret name' }]);
  }
}

function present(r: { workspaceId: string; name: string; createdAt: string; updatedAt: string }): SecretDto {
  return { workspace_id: r.workspaceId, name: r.name, created_at: r.createdAt, updated_at: r.updatedAt };
}
