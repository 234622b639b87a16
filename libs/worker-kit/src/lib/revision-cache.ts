import type { PipelineDocument } from '@mockops/pipeline-core';
import type { RunnerStore } from './runner-store';

/**
 * Revisions are immutable, so their parsed documents are cached by id: no Postgres read or YAML parse
 * per step on the hot path. Bounded, least-recently-used out first.
 */
export class RevisionCache {
  private readonly cache = new Map<string, PipelineDocument>();

  constructor(
    private readonly store: Pick<RunnerStore, 'getRevision'>,
    private readonly max = 1000,
  ) {}

  async get(revisionId: string): Promise<PipelineDocument> {
    const hit = this.cache.get(revisionId);
    if (hit) {
      this.cache.delete(revisionId);
      this.cache.set(revisionId, hit);
      return hit;
    }
    const revision = await this.store.getRevision(revisionId);
    if (!revision) throw new Error(`pipeline revision ${revisionId} not found`);
    this.cache.set(revisionId, revision.document);
    if (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value as string);
    return revision.document;
  }
}
