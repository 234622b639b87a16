import { createHash } from 'node:crypto';

/**
 * Content-addressed git objects with real git SHA-1s, so the double behaves like GitHub where the same
 * content always gets the same blob/tree id (a handler's "nothing changed" check depends on that).
 */
export interface TreeEntry {
  path: string;
  mode: '100644' | '100755' | '040000' | '160000' | '120000';
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

export interface GitCommit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: GitSignature;
  committer: GitSignature;
}

export interface GitSignature {
  name: string;
  email: string;
  date: string;
}

export class GitObjectStore {
  readonly blobs = new Map<string, Buffer>();
  /** Tree sha → its direct entries (paths are names within that tree). */
  readonly trees = new Map<string, TreeEntry[]>();
  readonly commits = new Map<string, GitCommit>();

  constructor() {
    this.writeTree([]);
  }

  writeBlob(content: Buffer): string {
    const sha = gitHash('blob', content);
    this.blobs.set(sha, content);
    return sha;
  }

  writeTree(entries: TreeEntry[]): string {
    // Git orders entries by name, comparing a directory as if its name ended with "/".
    const key = (e: TreeEntry) => (e.type === 'tree' ? `${e.path}/` : e.path);
    const sorted = [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const body = Buffer.concat(
      sorted.map((e) =>
        Buffer.concat([Buffer.from(`${e.mode === '040000' ? '40000' : e.mode} ${e.path}\0`), Buffer.from(e.sha, 'hex')]),
      ),
    );
    const sha = gitHash('tree', body);
    this.trees.set(sha, sorted);
    return sha;
  }

  writeCommit(c: Omit<GitCommit, 'sha'>): GitCommit {
    const sig = (s: GitSignature) => `${s.name} <${s.email}> ${Math.floor(Date.parse(s.date) / 1000)} +0000`;
    const text =
      `tree ${c.tree}\n` +
      c.parents.map((p) => `parent ${p}\n`).join('') +
      `author ${sig(c.author)}\ncommitter ${sig(c.committer)}\n\n${c.message}`;
    const commit = { ...c, sha: gitHash('commit', Buffer.from(text)) };
    this.commits.set(commit.sha, commit);
    return commit;
  }

  /** Every blob under a tree, by full path. */
  flatten(treeSha: string, prefix = ''): Map<string, TreeEntry> {
    const out = new Map<string, TreeEntry>();
    for (const e of this.trees.get(treeSha) ?? []) {
      const full = prefix + e.path;
      if (e.type === 'tree') for (const [p, sub] of this.flatten(e.sha, `${full}/`)) out.set(p, sub);
      else out.set(full, { ...e, path: full });
    }
    return out;
  }

  /** Builds the nested trees for a flat path → entry map and returns the root tree sha. */
  writeFlat(files: Map<string, TreeEntry>): string {
    const dirs = new Map<string, TreeEntry[]>([['', []]]);
    const ensureDir = (dir: string): TreeEntry[] => {
      let list = dirs.get(dir);
      if (!list) {
        list = [];
        dirs.set(dir, list);
        const i = dir.lastIndexOf('/');
        ensureDir(i < 0 ? '' : dir.slice(0, i));
      }
      return list;
    };
    for (const [path, e] of files) {
      const i = path.lastIndexOf('/');
      ensureDir(i < 0 ? '' : path.slice(0, i)).push({ ...e, path: path.slice(i + 1) });
    }
    // Deepest directories first so each parent sees its children's shas.
    const order = [...dirs.keys()].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
    const shas = new Map<string, string>();
    for (const dir of order) {
      if (dir === '') continue;
      const sha = this.writeTree(dirs.get(dir)!);
      shas.set(dir, sha);
      const i = dir.lastIndexOf('/');
      dirs.get(i < 0 ? '' : dir.slice(0, i))!.push({ path: dir.slice(i + 1), mode: '040000', type: 'tree', sha });
    }
    return this.writeTree(dirs.get('')!);
  }

  /** True when `ancestor` is reachable from `sha` through parents (fast-forward check). */
  isAncestor(ancestor: string, sha: string): boolean {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length) {
      const s = stack.pop()!;
      if (s === ancestor) return true;
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...(this.commits.get(s)?.parents ?? []));
    }
    return false;
  }
}

export function gitHash(type: 'blob' | 'tree' | 'commit', body: Buffer): string {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
}
