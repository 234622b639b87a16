import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PipelineChange } from '@mockops/event-stream';
import type { PipelineWithRevision } from '@mockops/execution-store';
import { dryRun, dryRunReport, validateEvent, type PipelineDocument, type SecretScope } from '@mockops/pipeline-core';
import { Principal, canAccessWorkspace } from '../auth/api-keys';
import { GatewayError } from '../errors/gateway-error';
import type { ExecutionPageDto, ListExecutionsQueryDto } from '../executions/execution.dto';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway.options';
import { presentDiagnostic, presentExecution, presentPipeline, presentRevision, presentStats } from '../presenters';
import type { DryRunDto, ListPipelinesQueryDto, PipelineDto, PipelinePageDto, PipelineStatsDto, RevisionPageDto, ValidationResultDto } from './pipeline.dto';
import { parsePipelineBody, readPipelineSource, validatePipelineSource } from './pipeline-input';

/**
 * Pipeline use cases behind the REST API. Workspace scoping lives here: a key scoped to some
 * workspaces gets 404 for anything else, exactly as if it did not exist.
 */
@Injectable()
export class PipelinesService {
  private readonly logger = new Logger(PipelinesService.name);

  constructor(@Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions) {}

  private get store() {
    return this.options.store;
  }

  /**
   * The same checks as create. The secret scope is checked when the owner is known: the body's
   * workspace_id, the key's only workspace, or none for an admin (a global pipeline).
   */
  async validate(principal: Principal, body: unknown): Promise<ValidationResultDto> {
    const input = readPipelineSource(body);
    let owner: string | null | undefined = input.workspaceId;
    if (owner === undefined) owner = principal.workspaces === null ? null : principal.workspaces.length === 1 ? principal.workspaces[0] : undefined;
    if (owner && !canAccessWorkspace(principal, owner)) owner = undefined;
    const outcome = validatePipelineSource(input, { secrets: owner === undefined ? undefined : await this.secretScope(owner) });
    return {
      valid: outcome.ok,
      errors: outcome.ok ? [] : outcome.errors.map(presentDiagnostic),
      warnings: outcome.warnings.map(presentDiagnostic),
    };
  }

  /**
   * A dry run (POST /pipelines/test): what the event would do to the pipeline, without doing it. The
   * owner is checked as for create; secrets are checked by name against the owner's (values are never
   * read: a secret shows as ***); a saved pipeline is only readable by a key of its workspace.
   */
  async test(principal: Principal, body: unknown): Promise<DryRunDto> {
    const input = readToolBody(body, 'pipeline');
    if (!isObject(input.event)) throw new GatewayError('VALIDATION_FAILED', 'event is required: the event envelope {type, payload, ...}', [{ path: 'event', message: 'expected an object' }]);
    const target = await this.toolTarget(principal, input);
    const checked = validateEvent(input.event, { fallbackId: 'dry-run', now: new Date() });
    if (!checked.ok) {
      throw new GatewayError('VALIDATION_FAILED', `event is invalid: ${checked.errors[0]}`, checked.errors.map((e) => ({ path: `event.${e.split(':')[0]}`, message: e })));
    }
    const result = dryRun(target.document, checked.event, {
      workspaceId: target.owner,
      ...(target.pipelineId ? { pipelineId: target.pipelineId } : {}),
      secrets: target.secrets,
      now: new Date(),
    });
    return dryRunReport(result) as unknown as DryRunDto;
  }

  /**
   * The pipeline a tool (dry run, backtest) works on and its owner: the document sent (checked like a
   * create, with the owner's secret names), or the saved pipeline `pipeline_id` names (404 for another
   * workspace's, as everywhere).
   */
  async toolTarget(
    principal: Principal,
    input: { pipeline?: unknown; workspace_id?: unknown; pipeline_id?: unknown },
  ): Promise<{ document: PipelineDocument; owner: string | null; pipelineId?: string; secrets?: SecretScope }> {
    if (input.workspace_id !== undefined && typeof input.workspace_id !== 'string') {
      throw new GatewayError('VALIDATION_FAILED', 'workspace_id must be a string', [{ path: 'workspace_id', message: 'expected a string' }]);
    }
    if (input.pipeline_id !== undefined && typeof input.pipeline_id !== 'string') {
      throw new GatewayError('VALIDATION_FAILED', 'pipeline_id must be a string', [{ path: 'pipeline_id', message: 'expected a string' }]);
    }
    const saved = input.pipeline_id === undefined ? undefined : await this.find(principal, input.pipeline_id);
    let owner: string | null;
    if (saved) {
      if (input.workspace_id !== undefined && input.workspace_id !== saved.workspaceId) {
        throw new GatewayError('BAD_REQUEST', `pipeline ${saved.id} belongs to ${saved.workspaceId ?? 'no workspace'}, not ${input.workspace_id}`);
      }
      owner = saved.workspaceId;
    } else {
      owner = this.owningWorkspace(principal, input.workspace_id, 'test or backtest pipelines');
    }
    const secrets = await this.secretScope(owner);
    if (input.pipeline === undefined) {
      if (!saved) throw new GatewayError('BAD_REQUEST', 'pipeline is required (its YAML as a string or {name, definition}), or pipeline_id of a saved pipeline');
      return { document: saved.revision.document, owner, pipelineId: saved.id, secrets };
    }
    const parsed = parsePipelineBody(input.pipeline, { secrets });
    return { document: parsed.document, owner, ...(saved ? { pipelineId: saved.id } : {}), secrets };
  }

  async create(principal: Principal, body: unknown, queryWorkspace?: string): Promise<PipelineDto> {
    const asked = readPipelineSource(body).workspaceId;
    if (asked && queryWorkspace && asked !== queryWorkspace) {
      throw new GatewayError('BAD_REQUEST', `workspace_id differs between the body ("${asked}") and the query ("${queryWorkspace}")`);
    }
    const workspaceId = this.owningWorkspace(principal, asked ?? queryWorkspace);
    const parsed = parsePipelineBody(body, { secrets: await this.secretScope(workspaceId) });
    const created = await this.store.createPipeline({
      name: parsed.document.name,
      workspaceId,
      document: parsed.document,
      sourceText: parsed.sourceText,
      sourceFormat: parsed.sourceFormat,
      enabled: parsed.document.definition.enabled,
    });
    this.logger.log(`pipeline ${created.id} "${created.name}" created${workspaceId ? ` in ${workspaceId}` : ''}`);
    await this.announce(created.id, 'created');
    return presentPipeline(created, parsed.warnings);
  }

  async update(principal: Principal, id: string, body: unknown, queryWorkspace?: string): Promise<PipelineDto> {
    const current = await this.find(principal, id);
    const parsed = parsePipelineBody(body, { secrets: await this.secretScope(current.workspaceId) });
    const asked = parsed.workspaceId ?? queryWorkspace;
    if (asked !== undefined && asked !== current.workspaceId) {
      throw new GatewayError('BAD_REQUEST', 'a pipeline cannot move to another workspace; create it there instead', [
        { path: 'workspace_id', message: `pipeline belongs to ${current.workspaceId ?? 'no workspace'}` },
      ]);
    }
    // The file is the desired state: its `enabled` applies too (enable/disable flip it without a revision).
    const updated = await this.store.addRevision(current.id, {
      document: parsed.document,
      sourceText: parsed.sourceText,
      sourceFormat: parsed.sourceFormat,
      name: parsed.document.name,
      enabled: parsed.document.definition.enabled,
    });
    this.logger.log(`pipeline ${updated.id} now at revision ${updated.currentRevision}`);
    await this.announce(updated.id, 'updated');
    return presentPipeline(updated, parsed.warnings);
  }

  async list(principal: Principal, query: ListPipelinesQueryDto): Promise<PipelinePageDto> {
    let scope: { workspaceId?: string; workspaceIds?: string[] } = {};
    if (principal.workspaces === null) {
      if (query.workspace_id !== undefined) scope = { workspaceId: query.workspace_id };
    } else if (query.workspace_id !== undefined) {
      // Another workspace's pipelines do not exist for this key: an empty page, not an error.
      if (!principal.workspaces.includes(query.workspace_id)) return { items: [], next_cursor: null };
      scope = { workspaceId: query.workspace_id };
    } else {
      scope = { workspaceIds: principal.workspaces };
    }
    const page = await this.store.listPipelines({ ...scope, enabled: query.enabled, limit: query.limit, cursor: query.cursor });
    return { items: page.items.map((p) => presentPipeline(p)), next_cursor: page.nextCursor };
  }

  async get(principal: Principal, id: string): Promise<PipelineDto> {
    return presentPipeline(await this.find(principal, id));
  }

  async setEnabled(principal: Principal, id: string, enabled: boolean): Promise<PipelineDto> {
    const current = await this.find(principal, id);
    const updated = await this.store.setPipelineEnabled(current.id, enabled);
    await this.announce(updated.id, enabled ? 'enabled' : 'disabled');
    return presentPipeline(updated);
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const current = await this.find(principal, id);
    await this.store.deletePipeline(current.id);
    this.logger.log(`pipeline ${current.id} "${current.name}" deleted`);
    await this.announce(current.id, 'deleted');
  }

  async revisions(principal: Principal, id: string): Promise<RevisionPageDto> {
    const current = await this.find(principal, id);
    const revisions = await this.store.listRevisions(current.id);
    return { items: revisions.map(presentRevision), next_cursor: null };
  }

  async stats(principal: Principal, id: string): Promise<PipelineStatsDto> {
    const current = await this.find(principal, id);
    return presentStats(current.id, await this.store.pipelineStats(current.id));
  }

  async executions(principal: Principal, id: string, query: ListExecutionsQueryDto): Promise<ExecutionPageDto> {
    const current = await this.find(principal, id);
    const page = await this.store.listExecutions({ pipelineId: current.id, status: query.status, limit: query.limit, cursor: query.cursor });
    return { items: page.items.map(presentExecution), next_cursor: page.nextCursor };
  }

  /** Which secrets a pipeline of this owner may use (save-time check with positions). */
  async secretScope(workspaceId: string | null): Promise<SecretScope | undefined> {
    const secrets = this.options.secrets;
    if (!secrets) return undefined;
    const names = workspaceId === null ? new Set<string>() : await secrets.store.names(workspaceId);
    return secrets.resolver.scope(workspaceId, names);
  }

  /** A live pipeline the caller may see, or 404. */
  async find(principal: Principal, id: string): Promise<PipelineWithRevision> {
    const pipeline = await this.store.getPipeline(id);
    if (!pipeline || !canAccessWorkspace(principal, pipeline.workspaceId)) throw GatewayError.notFound('pipeline', id);
    return pipeline;
  }

  /**
   * The workspace a new pipeline belongs to. A scoped key may only create in its workspaces (403:
   * the caller named the workspace, so nothing is revealed) and defaults to its only one.
   */
  owningWorkspace(principal: Principal, asked: string | undefined, action = 'create pipelines'): string | null {
    if (principal.workspaces === null) return asked ?? null;
    if (asked === undefined) {
      if (principal.workspaces.length === 1) return principal.workspaces[0];
      throw new GatewayError('VALIDATION_FAILED', 'workspace_id is required: this API key is scoped to several workspaces', [
        { path: 'workspace_id', message: `one of ${principal.workspaces.join(', ')}` },
      ]);
    }
    if (!principal.workspaces.includes(asked)) {
      throw new GatewayError('FORBIDDEN', `this API key cannot ${action} in workspace ${asked}`);
    }
    return asked;
  }

  /**
   * Tells matchers to reload. The change is already committed; if Redis is briefly away the
   * matchers' periodic full reload picks it up, so the request does not fail for it.
   */
  private async announce(pipelineId: string, kind: PipelineChange['kind']): Promise<void> {
    try {
      await this.options.notifier.notify(pipelineId, kind);
    } catch (e) {
      this.logger.warn(`could not announce ${kind} of pipeline ${pipelineId}: ${(e as Error).message}`);
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON body of a pipeline tool: an object with the pipeline (or pipeline_id) and the tool's inputs. */
export function readToolBody(body: unknown, what: string): Record<string, unknown> {
  if (!isObject(body)) {
    throw new GatewayError('BAD_REQUEST', `send a JSON object {${what === 'pipeline' ? 'pipeline, event' : what}, workspace_id?, pipeline_id?}`);
  }
  return body;
}
