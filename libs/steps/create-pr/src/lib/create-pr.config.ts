import { PermanentStepError } from '@mockops/worker-kit';
import { invalidBranchReason } from './branch-names';
import { parseRepository, RepositoryUrlError, type RepositoryRef } from './repository-url';

/**
 * The create_pr step's config as the handler receives it: already rendered, so a value that was exactly
 * one `{{ }}` keeps its native type (`content` may be an object, `files` a list from an earlier step).
 */
export interface CreatePrFileInput {
  path: string;
  /** Text; an object or array is written as pretty JSON. Not needed for `delete`. */
  content?: unknown;
  /** Default: create-or-update. */
  operation?: 'create' | 'update' | 'delete';
  /** `base64` for binary content. Default `utf-8`. */
  encoding?: 'utf-8' | 'base64';
}

export interface CreatePrStepConfig {
  repository: string;
  /** Target (base) branch; the repository's default branch when absent. */
  branch?: string;
  title: string;
  body?: string;
  files: CreatePrFileInput[];
  head_branch?: string;
  labels?: string[] | string;
  reviewers?: string[] | string;
  draft?: boolean;
  api_url?: string;
  token?: string;
  commit_message?: string;
}

export type FileOperation = 'create' | 'update' | 'delete';

export interface FileChange {
  path: string;
  operation: FileOperation;
  /** Raw bytes to write (absent for delete). */
  content?: Buffer;
}

export interface NormalizedCreatePrConfig {
  repository: RepositoryRef;
  branch?: string;
  title: string;
  body: string;
  files: FileChange[];
  headBranch?: string;
  labels: string[];
  reviewers: string[];
  teamReviewers: string[];
  draft: boolean;
  apiUrl?: string;
  token?: string;
  commitMessage?: string;
}

const KNOWN_KEYS = new Set([
  'repository',
  'branch',
  'title',
  'body',
  'files',
  'head_branch',
  'labels',
  'reviewers',
  'draft',
  'api_url',
  'token',
  'commit_message',
]);
const FILE_KEYS = new Set(['path', 'content', 'operation', 'encoding']);

/** Checks the rendered config and turns it into what the handler works with; every problem is listed. */
export function normalizeCreatePrConfig(raw: unknown): NormalizedCreatePrConfig {
  const problems: string[] = [];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(['config must be an object']);
  const c = raw as Record<string, unknown>;
  for (const k of Object.keys(c)) if (!KNOWN_KEYS.has(k)) problems.push(`unknown option "${k}"`);

  let repository: RepositoryRef | undefined;
  try {
    repository = parseRepository(c.repository);
  } catch (e) {
    if (!(e instanceof RepositoryUrlError)) throw e;
    problems.push(e.message);
  }

  const optionalString = (key: string): string | undefined => {
    const v = c[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string') return v.trim() || undefined;
    if (typeof v === 'number') return String(v);
    problems.push(`${key} must be a string`);
    return undefined;
  };

  const branch = optionalString('branch');
  if (branch) {
    const why = invalidBranchReason(branch);
    if (why) problems.push(`branch "${branch}" is not a valid branch name: ${why}`);
  }
  const headBranch = optionalString('head_branch');
  if (headBranch) {
    const why = invalidBranchReason(headBranch);
    if (why) problems.push(`head_branch "${headBranch}" is not a valid branch name: ${why}`);
    if (branch && headBranch === branch) problems.push('head_branch must differ from branch (the target branch)');
  }
  const title = optionalString('title');
  if (!title) problems.push('title is required');
  const body = c.body === undefined || c.body === null ? '' : typeof c.body === 'string' ? c.body : stringifyContent(c.body);

  const files = normalizeFiles(c.files, problems);

  const list = (key: string): string[] => {
    const v = c[key];
    if (v === undefined || v === null || v === '') return [];
    const items = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : undefined;
    if (!items || items.some((x) => typeof x !== 'string')) {
      problems.push(`${key} must be a list of strings`);
      return [];
    }
    return [...new Set(items.map((x: string) => x.trim().replace(/^@/, '')).filter(Boolean))];
  };
  const labels = list('labels');
  const allReviewers = list('reviewers');
  // `org/team` names a team (GitHub's team_reviewers takes the slug); anything else is a user login.
  const reviewers = allReviewers.filter((r) => !r.includes('/'));
  const teamReviewers = allReviewers.filter((r) => r.includes('/')).map((r) => r.split('/').pop()!);

  let draft = false;
  if (c.draft !== undefined && c.draft !== null && c.draft !== '') {
    if (typeof c.draft === 'boolean') draft = c.draft;
    else if (c.draft === 'true' || c.draft === 'false') draft = c.draft === 'true';
    else problems.push('draft must be true or false');
  }

  const apiUrl = optionalString('api_url');
  if (apiUrl) {
    try {
      const u = new URL(apiUrl);
      if (!['https:', 'http:'].includes(u.protocol)) problems.push('api_url must be an http(s) URL');
    } catch {
      problems.push('api_url is not a valid URL');
    }
  }

  if (problems.length) throw invalid(problems);
  return {
    repository: repository!,
    branch,
    title: title!,
    body,
    files,
    headBranch,
    labels,
    reviewers,
    teamReviewers,
    draft,
    apiUrl: apiUrl?.replace(/\/+$/, ''),
    token: optionalString('token'),
    commitMessage: optionalString('commit_message'),
  };
}

function normalizeFiles(value: unknown, problems: string[]): FileChange[] {
  if (value === undefined || value === null) {
    problems.push('files is required: a list of {path, content, operation}');
    return [];
  }
  if (!Array.isArray(value)) {
    problems.push('files must be a list of {path, content, operation}');
    return [];
  }
  const out: FileChange[] = [];
  const seen = new Set<string>();
  value.forEach((f, i) => {
    const at = `files[${i}]`;
    if (!f || typeof f !== 'object' || Array.isArray(f)) {
      problems.push(`${at} must be an object with path and content`);
      return;
    }
    const file = f as Record<string, unknown>;
    for (const k of Object.keys(file)) if (!FILE_KEYS.has(k)) problems.push(`${at}: unknown option "${k}"`);
    const path = normalizePath(file.path);
    if (typeof path !== 'string') {
      problems.push(`${at}.path ${path.error}`);
      return;
    }
    if (seen.has(path)) problems.push(`${at}.path "${path}" appears more than once`);
    seen.add(path);
    const op = file.operation ?? 'create';
    if (op !== 'create' && op !== 'update' && op !== 'delete') {
      problems.push(`${at}.operation must be create, update or delete (got ${JSON.stringify(op)})`);
      return;
    }
    if (op === 'delete') {
      out.push({ path, operation: 'delete' });
      return;
    }
    const encoding = file.encoding ?? 'utf-8';
    if (encoding !== 'utf-8' && encoding !== 'base64') {
      problems.push(`${at}.encoding must be utf-8 or base64`);
      return;
    }
    if (file.content === undefined || file.content === null) {
      problems.push(`${at}.content is required to ${op} ${path}`);
      return;
    }
    if (encoding === 'base64' && typeof file.content !== 'string') {
      problems.push(`${at}.content must be a base64 string`);
      return;
    }
    const content =
      encoding === 'base64' ? Buffer.from(file.content as string, 'base64') : Buffer.from(stringifyContent(file.content), 'utf8');
    out.push({ path, operation: op, content });
  });
  return out;
}

/** Text as is; objects and arrays as pretty JSON (2 spaces) with a trailing newline, like a formatter writes. */
export function stringifyContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content !== null && typeof content === 'object') return `${JSON.stringify(content, null, 2)}\n`;
  return String(content);
}

/** A repository-relative path: no leading `/`, no `.`/`..`/empty segments, never inside `.git`. */
export function normalizePath(value: unknown): string | { error: string } {
  if (typeof value !== 'string' || !value.trim()) return { error: 'is required' };
  const path = value.trim().replace(/\\/g, '/').replace(/^\.\//, '');
  const parts = path.split('/');
  if (path.startsWith('/')) return { error: `"${value}" must be relative to the repository root` };
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return { error: `"${value}" has an empty, "." or ".." segment` };
  if (parts[0].toLowerCase() === '.git') return { error: `"${value}" points inside .git` };
  if ([...path].some((ch) => ch.charCodeAt(0) < 0x20)) return { error: `"${value}" contains a control character` };
  return path;
}

function invalid(problems: string[]): PermanentStepError {
  return new PermanentStepError(`invalid create_pr config: ${problems.join('; ')}`, 'CONFIG_INVALID');
}
