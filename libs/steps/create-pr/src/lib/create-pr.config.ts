import type { CreatePrConfig, FileOperation } from '@mockops/pipeline-core';
import { PermanentStepError } from '@mockops/worker-kit';
import { invalidBranchReason } from './branch-names';
import { parseRepository, RepositoryUrlError, type RepositoryRef } from './repository-url';

/**
 * The create_pr step's config as the handler receives it: rendered, and checked against the step
 * type's schema in pipeline-core by the worker base (fields, types, required, enums). A value that
 * was exactly one `{{ }}` keeps its native type (`content` may be an object, `files` a list).
 */
export type CreatePrStepConfig = Omit<CreatePrConfig, 'files'> & { files: CreatePrFileInput[] };

export interface CreatePrFileInput {
  path: string;
  /** Text; an object or array is written as pretty JSON. Not needed for `delete`. */
  content?: unknown;
  /** Default: create-or-update. */
  operation?: FileOperation;
  /** `base64` for binary content. Default `utf-8`. */
  encoding?: 'utf-8' | 'base64';
}

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

/**
 * Turns a checked config into what the handler works with, refusing what only git knows is wrong: a
 * URL that names no single repository, a branch name git refuses, a path outside the repository, the
 * same path twice, a head branch equal to the target. Every problem is listed at once.
 */
export function normalizeCreatePrConfig(c: CreatePrStepConfig): NormalizedCreatePrConfig {
  const problems: string[] = [];
  let repository: RepositoryRef | undefined;
  try {
    repository = parseRepository(c.repository);
  } catch (e) {
    if (!(e instanceof RepositoryUrlError)) throw e;
    problems.push(e.message);
  }
  const trimmed = (v: string | undefined) => v?.trim() || undefined;
  const branch = trimmed(c.branch);
  if (branch) {
    const why = invalidBranchReason(branch);
    if (why) problems.push(`branch "${branch}" is not a valid branch name: ${why}`);
  }
  const headBranch = trimmed(c.head_branch);
  if (headBranch) {
    const why = invalidBranchReason(headBranch);
    if (why) problems.push(`head_branch "${headBranch}" is not a valid branch name: ${why}`);
    if (branch && headBranch === branch) problems.push('head_branch must differ from branch (the target branch)');
  }
  const files = normalizeFiles(c.files, problems);
  const list = (v: string[] | string | undefined): string[] =>
    [...new Set((typeof v === 'string' ? v.split(',') : (v ?? [])).map((x) => x.trim().replace(/^@/, '')).filter(Boolean))];
  const allReviewers = list(c.reviewers);
  if (problems.length) throw invalid(problems);
  return {
    repository: repository!,
    branch,
    title: c.title.trim(),
    body: c.body ?? '',
    files,
    headBranch,
    labels: list(c.labels),
    // `org/team` names a team (GitHub's team_reviewers takes the slug); anything else is a user login.
    reviewers: allReviewers.filter((r) => !r.includes('/')),
    teamReviewers: allReviewers.filter((r) => r.includes('/')).map((r) => r.split('/').pop()!),
    draft: c.draft === true,
    apiUrl: trimmed(c.api_url)?.replace(/\/+$/, ''),
    token: trimmed(c.token),
    commitMessage: trimmed(c.commit_message),
  };
}

function normalizeFiles(value: CreatePrFileInput[], problems: string[]): FileChange[] {
  const out: FileChange[] = [];
  const seen = new Set<string>();
  value.forEach((file, i) => {
    const at = `files[${i}]`;
    const path = normalizePath(file.path);
    if (typeof path !== 'string') {
      problems.push(`${at}.path ${path.error}`);
      return;
    }
    if (seen.has(path)) problems.push(`${at}.path "${path}" appears more than once`);
    seen.add(path);
    const op = file.operation ?? 'create';
    if (op === 'delete') {
      out.push({ path, operation: 'delete' });
      return;
    }
    if (file.encoding === 'base64' && typeof file.content !== 'string') {
      problems.push(`${at}.content must be a base64 string`);
      return;
    }
    const content = file.encoding === 'base64' ? Buffer.from(file.content as string, 'base64') : Buffer.from(stringifyContent(file.content), 'utf8');
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
