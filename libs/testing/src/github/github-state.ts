import { GitObjectStore, type GitCommit } from './git-objects';

/** What the double remembers about one repository: git objects, refs, pull requests and labels. */
export interface PullState {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  merged: boolean;
  head: string;
  base: string;
  author: string;
  labels: string[];
  requestedReviewers: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface LabelState {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export class RepoState {
  readonly git = new GitObjectStore();
  /** Full ref name without the `refs/` prefix (`heads/main`) → commit sha. */
  readonly refs = new Map<string, string>();
  readonly pulls: PullState[] = [];
  readonly labels = new Map<string, LabelState>();
  readonly collaborators = new Set<string>();
  nextNumber = 1;

  constructor(
    readonly id: number,
    readonly owner: string,
    readonly name: string,
    public defaultBranch: string,
    readonly isPrivate: boolean,
  ) {}

  get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  branchCommit(branch: string): GitCommit | undefined {
    const sha = this.refs.get(`heads/${branch}`);
    return sha ? this.git.commits.get(sha) : undefined;
  }

  /** Text of every file on a branch (what a reviewer would see in the PR's head). */
  branchFiles(branch: string): Record<string, string> | undefined {
    const commit = this.branchCommit(branch);
    if (!commit) return undefined;
    const out: Record<string, string> = {};
    for (const [path, e] of this.git.flatten(commit.tree)) out[path] = this.git.blobs.get(e.sha)!.toString('utf8');
    return out;
  }

  /** Commits on `head` that `base` does not have, newest first. */
  commitsAhead(base: string, head: string): GitCommit[] {
    const baseSha = this.refs.get(`heads/${base}`);
    const headSha = this.refs.get(`heads/${head}`);
    if (!baseSha || !headSha) return [];
    const out: GitCommit[] = [];
    const seen = new Set<string>();
    const stack = [headSha];
    while (stack.length) {
      const sha = stack.pop()!;
      if (seen.has(sha) || this.git.isAncestor(sha, baseSha)) continue;
      seen.add(sha);
      const c = this.git.commits.get(sha);
      if (!c) continue;
      out.push(c);
      stack.push(...c.parents);
    }
    return out;
  }
}
