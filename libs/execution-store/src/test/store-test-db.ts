import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { EventEnvelope, PipelineDocument } from '@mockops/pipeline-core';
import { createDataSource, runMigrations } from '../lib/data-source';
import { openStore, type Store } from '../lib/store';
import type { ExecutionMatch, NewPipeline, PipelineWithRevision } from '../lib/records';

export interface TestDb {
  ds: DataSource;
  store: Store;
  schema: string;
  close(): Promise<void>;
}

/** A data source on the shared test Postgres, in a fresh randomly named schema dropped by close(). */
export async function openTestDb(opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const url = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `es_test_${randomBytes(6).toString('hex')}`;
  const ds = createDataSource({ url, schema, poolSize: 6 });
  await ds.initialize();
  if (opts.migrate !== false) await runMigrations(ds);
  return {
    ds,
    store: openStore(ds),
    schema,
    async close() {
      await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await ds.destroy();
    },
  };
}

export function pipelineDocument(name: string, stepNames: string[] = ['notify-team']): PipelineDocument {
  return {
    name,
    definition: {
      enabled: true,
      triggers: [{ event: 'scenario.published', filters: { workspace_id: 'workspace-123' } }],
      steps: stepNames.map((step) => ({
        name: step,
        step_type: 'notify',
        config: { type: 'slack', channels: ['#devops'], message: 'Scenario {{event.scenario_name}} promoted' },
      })),
    },
  } as PipelineDocument;
}

export function newPipeline(name: string, overrides: Partial<NewPipeline> = {}): NewPipeline {
  const document = overrides.document ?? pipelineDocument(name);
  return {
    name,
    workspaceId: 'workspace-123',
    document,
    sourceText: `name: ${name}\ndefinition: {}\n`,
    sourceFormat: 'yaml',
    ...overrides,
  };
}

export function eventEnvelope(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id: randomUUID(),
    type: 'scenario.published',
    workspace_id: 'workspace-123',
    occurred_at: new Date().toISOString(),
    payload: { scenario_id: 'sc-1', scenario_name: 'checkout', version: '1.0.0', workspace_id: 'workspace-123' },
    ...overrides,
  } as EventEnvelope;
}

export function matchFor(pipeline: PipelineWithRevision, event: EventEnvelope, steps = ['promote', 'notify']): ExecutionMatch {
  return {
    pipelineId: pipeline.id,
    revisionId: pipeline.currentRevisionId,
    workspaceId: pipeline.workspaceId,
    event,
    steps: steps.map((name, i) => ({ name, stepType: i === 0 ? 'auto_promote' : 'notify', maxAttempts: 3 })),
  };
}
