import { isSharedWith, type SecretScope } from '@mockops/pipeline-core';

/** Where a secret value came from: the pipeline's workspace, or the operator (process-wide). */
export type SecretOrigin = 'workspace' | 'operator';

export interface ResolvedSecret {
  value: string;
  origin: SecretOrigin;
}

/** The workspace secret store, as the worker base needs it. */
export interface WorkspaceSecretSource {
  /** Decrypted values of the names the workspace has; absent names are left out. */
  resolve(workspaceId: string, names: readonly string[]): Promise<Map<string, string>>;
}

/**
 * Which secrets a run sees (PRODUCT §9): a workspace-owned pipeline sees its workspace's secrets and
 * the operator credentials shared with that workspace; a global pipeline sees the operator's. A
 * workspace's own secret wins over a shared operator credential of the same name.
 */
export class SecretResolver {
  private readonly operatorNames: ReadonlySet<string>;

  constructor(
    private readonly operator: Readonly<Record<string, string>>,
    private readonly shared: Readonly<Record<string, string[] | '*'>> = {},
    private readonly workspace?: WorkspaceSecretSource,
  ) {
    this.operatorNames = new Set(Object.keys(operator));
  }

  /** Every operator secret value (scrubbed from every log line, error and output, whoever runs). */
  get operatorValues(): string[] {
    return Object.values(this.operator);
  }

  async resolve(workspaceId: string | null, names: readonly string[]): Promise<Map<string, ResolvedSecret>> {
    const out = new Map<string, ResolvedSecret>();
    const unique = [...new Set(names)];
    if (workspaceId !== null && this.workspace && unique.length) {
      for (const [name, value] of await this.workspace.resolve(workspaceId, unique)) out.set(name, { value, origin: 'workspace' });
    }
    for (const name of unique) {
      if (out.has(name) || this.operator[name] === undefined) continue;
      if (workspaceId === null || isSharedWith(this.shared, name, workspaceId)) out.set(name, { value: this.operator[name], origin: 'operator' });
    }
    return out;
  }

  /** The scope pipeline-core checks references against, given which names the workspace itself has. */
  scope(workspaceId: string | null, workspaceNames: ReadonlySet<string>): SecretScope {
    const sharedWithWorkspace = new Set(
      workspaceId === null ? [] : [...this.operatorNames].filter((name) => isSharedWith(this.shared, name, workspaceId)),
    );
    return { workspaceId, workspaceSecretNames: workspaceNames, operatorSecretNames: this.operatorNames, sharedWithWorkspace };
  }
}
