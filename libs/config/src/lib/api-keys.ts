export interface ApiKeyEntry {
  /** The key itself, or (sha256) its SHA-256 digest in hex, so config need not hold the key. */
  key: string;
  sha256?: boolean;
  /** null = admin (all workspaces). */
  workspaces: string[] | null;
}

export class ApiKeyFormatError extends Error {
  constructor(readonly problems: string[]) {
    super(`MOCKOPS_API_KEYS is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ApiKeyFormatError';
  }
}

const MIN_KEY_LENGTH = 8;
const WORKSPACE_ID = /^[A-Za-z0-9_.:-]+$/;

/**
 * Parses MOCKOPS_API_KEYS: comma-separated entries, each `<key>` or `<key>:admin` (all workspaces) or
 * `<key>:ws=<workspace>[|<workspace>...]` (only those workspaces). A key may be given as its SHA-256
 * instead, `sha256:<64 hex digits>` (`printf %s "$KEY" | sha256sum`), so the config holds no key. Example:
 *   `k-ops-2f9c1e:admin,sha256:9f86d0…0f00a08:ws=workspace-123|workspace-456`
 * Throws ApiKeyFormatError listing every bad entry, so a typo stops the boot instead of locking
 * people out (or letting them in) silently.
 */
export function parseApiKeys(raw: string | undefined | null): ApiKeyEntry[] {
  if (!raw || !raw.trim()) return [];
  const problems: string[] = [];
  const entries: ApiKeyEntry[] = [];
  const seen = new Set<string>();
  raw.split(',').forEach((part, i) => {
    const entry = part.trim();
    if (!entry) return;
    const hashed = /^sha256:/i.test(entry);
    const rest = hashed ? entry.slice(7) : entry;
    const sep = rest.indexOf(':');
    const key = sep === -1 ? rest : rest.slice(0, sep);
    const scope = sep === -1 ? 'admin' : rest.slice(sep + 1).trim();
    const where = `entry ${i + 1}`;
    if (hashed && !/^[0-9a-f]{64}$/i.test(key)) problems.push(`${where}: sha256: must be followed by 64 hex digits`);
    if (!hashed && key.length < MIN_KEY_LENGTH) problems.push(`${where}: a key needs at least ${MIN_KEY_LENGTH} characters`);
    if (/\s/.test(key)) problems.push(`${where}: a key must not contain spaces`);
    if (seen.has(key)) problems.push(`${where}: the same key is listed twice`);
    seen.add(key);
    const id = hashed ? { key: key.toLowerCase(), sha256: true } : { key };
    if (scope === 'admin') {
      entries.push({ ...id, workspaces: null });
    } else if (scope.startsWith('ws=')) {
      const workspaces = scope
        .slice(3)
        .split('|')
        .map((w) => w.trim())
        .filter(Boolean);
      if (!workspaces.length) problems.push(`${where}: "ws=" needs at least one workspace id`);
      const bad = workspaces.filter((w) => !WORKSPACE_ID.test(w));
      if (bad.length) problems.push(`${where}: invalid workspace id ${bad.map((b) => `"${b}"`).join(', ')}`);
      entries.push({ ...id, workspaces });
    } else {
      problems.push(`${where}: scope must be "admin" or "ws=<id>[|<id>...]", got "${scope}"`);
    }
  });
  if (problems.length) throw new ApiKeyFormatError(problems);
  return entries;
}

