import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TreeEntry } from './git-objects';
import { RepoState, type PullState } from './github-state';
import { githubOpenApi, type OpenApiDescription, type OperationMatch, type SchemaProblem } from './openapi-description';
import { deepMerge, sampleFromSchema } from './schema-sample';

/**
 * An in-process GitHub REST API for tests. It keeps real repository state (git objects with real SHAs,
 * refs, pull requests, labels, review requests), checks every request against GitHub's published OpenAPI
 * description and every answer it gives against the response schema. Anything the description does not
 * allow is answered 400/404 and recorded in `violations`, which tests assert to be empty.
 */
export interface GithubApiDoubleOptions {
  /** Tokens the double accepts (`Authorization: token X` or `Bearer X`). Default: `['test-token']`. */
  tokens?: string[];
  /** Login of the user every accepted token belongs to. Default `mockops-bot`. */
  login?: string;
}

export interface SeedRepoOptions {
  owner: string;
  repo: string;
  defaultBranch?: string;
  /** path → file text, committed as the default branch's single commit. */
  files?: Record<string, string>;
  /** Logins that may be requested as reviewers (the owner and the token's user always may). */
  collaborators?: string[];
  private?: boolean;
}

export interface InjectedFailure {
  status: 401 | 403 | 404 | 409 | 422 | 429 | 500 | 502 | 503;
  message?: string;
  /** Adds `retry-after` (a secondary rate limit, as GitHub answers with 403/429). */
  retryAfterSeconds?: number;
  /** Adds `x-ratelimit-remaining: 0` and `x-ratelimit-reset` this far in the future (primary rate limit). */
  rateLimitResetInSeconds?: number;
  /** Only requests for this operation (e.g. `pulls/create`) or method fail; others pass untouched. */
  operationId?: string;
  method?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  operationId?: string;
  status: number;
  body?: unknown;
}

export interface Violation {
  kind: 'route' | 'request' | 'response' | 'unimplemented';
  method: string;
  path: string;
  operationId?: string;
  problems: SchemaProblem[];
}

export interface PullView {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  head: string;
  base: string;
  labels: string[];
  requestedReviewers: string[];
  /** Commits on head that base lacks, newest first. */
  commits: { sha: string; message: string; parents: string[] }[];
  url: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

type Handler = (req: DoubleRequest) => { status: number; body?: unknown; headers?: Record<string, string> };

interface DoubleRequest {
  match: OperationMatch;
  params: Record<string, any>;
  query: Record<string, any>;
  body: any;
  repo: () => RepoState;
}

const DOCS = 'https://docs.github.com/rest';
const ENTERPRISE_PREFIX = '/api/v3';

export class GithubApiDouble {
  /** API base URL to give Octokit (`baseUrl`); `${url}/api/v3` is served too (GitHub Enterprise style). */
  url = '';
  readonly violations: Violation[] = [];
  readonly requests: RecordedRequest[] = [];
  private readonly repos = new Map<string, RepoState>();
  private readonly failures: (InjectedFailure & { remaining: number })[] = [];
  private readonly tokens: Set<string>;
  private readonly login: string;
  private readonly api: OpenApiDescription;
  private readonly samples = new Map<string, unknown>();
  private readonly handlers: Record<string, Handler>;
  private server?: Server;
  private nextId = 1000;

  constructor(options: GithubApiDoubleOptions = {}) {
    this.tokens = new Set(options.tokens ?? ['test-token']);
    this.login = options.login ?? 'mockops-bot';
    this.api = githubOpenApi();
    this.handlers = this.buildHandlers();
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  // ---- test hooks -------------------------------------------------------------------------------

  seedRepo(o: SeedRepoOptions): void {
    const branch = o.defaultBranch ?? 'main';
    const repo = new RepoState(this.nextId++, o.owner, o.repo, branch, o.private ?? false);
    repo.collaborators.add(o.owner);
    repo.collaborators.add(this.login);
    for (const c of o.collaborators ?? []) repo.collaborators.add(c);
    const files = new Map<string, TreeEntry>();
    for (const [path, text] of Object.entries(o.files ?? {})) {
      files.set(path, { path, mode: '100644', type: 'blob', sha: repo.git.writeBlob(Buffer.from(text)) });
    }
    const sig = { name: o.owner, email: `${o.owner}@users.noreply.github.invalid`, date: new Date().toISOString() };
    const commit = repo.git.writeCommit({ tree: repo.git.writeFlat(files), parents: [], message: 'Initial commit', author: sig, committer: sig });
    repo.refs.set(`heads/${branch}`, commit.sha);
    this.repos.set(this.key(o.owner, o.repo), repo);
  }

  /**
   * Pushes a commit to a branch as another user would (e.g. work merged into main meanwhile).
   * `files` maps path → new text, or null to delete. Returns the new commit sha.
   */
  pushCommit(owner: string, repo: string, branch: string, files: Record<string, string | null>, message = 'Update files'): string {
    const r = this.repos.get(this.key(owner, repo));
    const parent = r?.branchCommit(branch);
    if (!r || !parent) throw new Error(`no branch ${owner}/${repo}@${branch}`);
    const flat = r.git.flatten(parent.tree);
    for (const [path, text] of Object.entries(files)) {
      if (text === null) flat.delete(path);
      else flat.set(path, { path, mode: '100644', type: 'blob', sha: r.git.writeBlob(Buffer.from(text)) });
    }
    const sig = { name: owner, email: `${owner}@users.noreply.github.invalid`, date: new Date().toISOString() };
    const commit = r.git.writeCommit({ tree: r.git.writeFlat(flat), parents: [parent.sha], message, author: sig, committer: sig });
    r.refs.set(`heads/${branch}`, commit.sha);
    return commit.sha;
  }

  /** Every file on a branch, by path; undefined when the branch does not exist. */
  readBranchFiles(owner: string, repo: string, branch: string): Record<string, string> | undefined {
    return this.repos.get(this.key(owner, repo))?.branchFiles(branch);
  }

  branchSha(owner: string, repo: string, branch: string): string | undefined {
    return this.repos.get(this.key(owner, repo))?.refs.get(`heads/${branch}`);
  }

  listPulls(owner: string, repo: string): PullView[] {
    const r = this.repos.get(this.key(owner, repo));
    if (!r) return [];
    return r.pulls.map((p) => ({
      number: p.number,
      title: p.title,
      body: p.body,
      state: p.state,
      draft: p.draft,
      head: p.head,
      base: p.base,
      labels: [...p.labels],
      requestedReviewers: [...p.requestedReviewers],
      commits: r.commitsAhead(p.base, p.head).map((c) => ({ sha: c.sha, message: c.message, parents: c.parents })),
      url: `https://github.com/${r.fullName}/pull/${p.number}`,
    }));
  }

  /** Closes a pull request as a user would in the UI. */
  closePull(owner: string, repo: string, number: number): void {
    const p = this.repos.get(this.key(owner, repo))?.pulls.find((x) => x.number === number);
    if (!p) throw new Error(`no pull ${owner}/${repo}#${number}`);
    p.state = 'closed';
    p.closedAt = new Date().toISOString();
  }

  /** The next `times` matching requests fail as described (after request validation). */
  failNext(times: number, failure: InjectedFailure): void {
    this.failures.push({ ...failure, remaining: times });
  }

  /** Requests as `METHOD operationId` (e.g. `POST git/create-blob`), in order — which endpoints were used. */
  operationsCalled(): string[] {
    return this.requests.map((r) => `${r.method} ${r.operationId ?? r.path}`);
  }

  // ---- HTTP plumbing ----------------------------------------------------------------------------

  private key(owner: string, repo: string): string {
    return `${owner}/${repo}`.toLowerCase();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://double.invalid');
    let rawPath = url.pathname;
    if (rawPath.startsWith(`${ENTERPRISE_PREFIX}/`)) rawPath = rawPath.slice(ENTERPRISE_PREFIX.length);
    const record: RecordedRequest = { method, path: rawPath, status: 0 };
    this.requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      const payload = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-media-type': 'github.v3; format=json',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        'x-ratelimit-used': '1',
        ...headers,
      });
      res.end(payload);
    };

    const raw = await readBody(req);
    let body: unknown;
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        this.violations.push({ kind: 'request', method, path: rawPath, problems: [{ where: 'body', message: 'body is not JSON' }] });
        return send(400, { message: 'Problems parsing JSON', documentation_url: DOCS });
      }
    }
    record.body = body;

    const found = this.api.match(method, rawPath);
    if (!found || !('operationId' in found)) {
      const message = found ? `${method} is not allowed here (only ${found.allowedMethods.join(', ')})` : 'no such route in the description';
      this.violations.push({ kind: 'route', method, path: rawPath, problems: [{ where: 'route', message }] });
      return send(404, { message: 'Not Found', documentation_url: DOCS });
    }
    const match = found;
    record.operationId = match.operationId;

    const { problems, query } = this.api.validateParams(match, url.searchParams);
    problems.push(...this.api.validateRequestBody(match, body));
    if (problems.length) {
      this.violations.push({ kind: 'request', method, path: rawPath, operationId: match.operationId, problems });
      return send(400, { message: 'Invalid request', errors: problems, documentation_url: DOCS });
    }

    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      const described = this.api.responseSchema(match, status);
      if (status < 400 || described) {
        const responseProblems = this.api.validateResponse(match, status, payload);
        if (responseProblems.length) {
          this.violations.push({ kind: 'response', method, path: rawPath, operationId: match.operationId, problems: responseProblems });
        }
      }
      send(status, payload, headers);
    };

    try {
      this.injectFailure(match, method);
      this.authenticate(req);
      const handler = this.handlers[match.operationId];
      if (!handler) {
        this.violations.push({
          kind: 'unimplemented',
          method,
          path: rawPath,
          operationId: match.operationId,
          problems: [{ where: 'route', message: `the double does not implement ${match.operationId}` }],
        });
        return send(501, { message: `not implemented by the GitHub double: ${match.operationId}` });
      }
      const params = match.pathParams as Record<string, any>;
      const out = handler({
        match,
        params,
        query,
        body,
        repo: () => {
          const r = this.repos.get(this.key(params.owner, params.repo));
          if (!r) throw new HttpError(404, 'Not Found');
          return r;
        },
      });
      reply(out.status, out.body, out.headers);
    } catch (e) {
      if (e instanceof HttpError) return reply(e.status, { message: e.message, documentation_url: DOCS, ...e.extra }, e.headers);
      // A bug in the double itself: answer like GitHub's own 500 and make the test fail through `violations`.
      this.violations.push({
        kind: 'unimplemented',
        method,
        path: rawPath,
        operationId: match.operationId,
        problems: [{ where: 'double', message: `the double failed: ${(e as Error).stack ?? e}` }],
      });
      send(500, { message: 'Server Error' });
    }
  }

  private injectFailure(match: OperationMatch, method: string): void {
    const f = this.failures.find(
      (x) => x.remaining > 0 && (!x.operationId || x.operationId === match.operationId) && (!x.method || x.method.toUpperCase() === method),
    );
    if (!f) return;
    f.remaining--;
    const headers: Record<string, string> = {};
    let message = f.message;
    if (f.retryAfterSeconds !== undefined) {
      headers['retry-after'] = String(f.retryAfterSeconds);
      message ??= 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
    }
    if (f.rateLimitResetInSeconds !== undefined) {
      headers['x-ratelimit-remaining'] = '0';
      headers['x-ratelimit-used'] = '5000';
      headers['x-ratelimit-reset'] = String(Math.floor(Date.now() / 1000) + f.rateLimitResetInSeconds);
      message ??= 'API rate limit exceeded for user ID 1.';
    }
    const defaults: Record<number, string> = {
      401: 'Bad credentials',
      403: 'Resource not accessible by personal access token',
      404: 'Not Found',
      409: 'Conflict',
      422: 'Validation Failed',
      429: 'Too Many Requests',
      500: 'Internal Server Error',
      502: 'Bad Gateway',
      503: 'Service Unavailable',
    };
    throw new HttpError(f.status, message ?? defaults[f.status], {}, headers);
  }

  private authenticate(req: IncomingMessage): void {
    const m = /^(?:token|bearer)\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!m || !this.tokens.has(m[1].trim())) throw new HttpError(401, 'Bad credentials', { status: '401' });
  }

  // ---- response bodies ----------------------------------------------------------------------------

  /** A response body: the schema's minimal valid value with the fields the double tracks laid over it. */
  private shaped(match: OperationMatch, status: number, actual: unknown): unknown {
    const cacheKey = `${match.operationId} ${status}`;
    let sample = this.samples.get(cacheKey);
    if (sample === undefined) {
      const schema = this.api.responseSchema(match, status);
      const itemSchema = schema && (schema.type === 'array' ? (schema.items as Record<string, any>) : schema);
      sample = sampleFromSchema(itemSchema, (ref) => this.api.resolve(ref)) ?? null;
      this.samples.set(cacheKey, sample);
    }
    const clone = () => structuredClone(sample);
    return Array.isArray(actual) ? actual.map((a) => deepMerge(clone(), a)) : deepMerge(clone(), actual);
  }

  private apiUrl(path: string): string {
    return `${this.url}${path}`;
  }

  private user(login: string) {
    const id = [...login].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_000, 7) + 1;
    return {
      login,
      id,
      node_id: `U_${id}`,
      type: 'User',
      site_admin: false,
      url: this.apiUrl(`/users/${login}`),
      html_url: `https://github.com/${login}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id}`,
      gravatar_id: '',
      followers_url: this.apiUrl(`/users/${login}/followers`),
      following_url: this.apiUrl(`/users/${login}/following{/other_user}`),
      gists_url: this.apiUrl(`/users/${login}/gists{/gist_id}`),
      starred_url: this.apiUrl(`/users/${login}/starred{/owner}{/repo}`),
      subscriptions_url: this.apiUrl(`/users/${login}/subscriptions`),
      organizations_url: this.apiUrl(`/users/${login}/orgs`),
      repos_url: this.apiUrl(`/users/${login}/repos`),
      events_url: this.apiUrl(`/users/${login}/events{/privacy}`),
      received_events_url: this.apiUrl(`/users/${login}/received_events`),
    };
  }

  private repository(r: RepoState) {
    const url = this.apiUrl(`/repos/${r.fullName}`);
    return {
      id: r.id,
      node_id: `R_${r.id}`,
      name: r.name,
      full_name: r.fullName,
      private: r.isPrivate,
      visibility: r.isPrivate ? 'private' : 'public',
      owner: this.user(r.owner),
      html_url: `https://github.com/${r.fullName}`,
      url,
      git_url: `git://github.com/${r.fullName}.git`,
      ssh_url: `git@github.com:${r.fullName}.git`,
      clone_url: `https://github.com/${r.fullName}.git`,
      default_branch: r.defaultBranch,
      pulls_url: `${url}/pulls{/number}`,
      git_refs_url: `${url}/git/refs{/sha}`,
    };
  }

  private ref(r: RepoState, name: string) {
    const sha = r.refs.get(name)!;
    return {
      ref: `refs/${name}`,
      node_id: `REF_${Buffer.from(`${r.fullName}:${name}`).toString('base64url')}`,
      url: this.apiUrl(`/repos/${r.fullName}/git/refs/${name}`),
      object: { type: 'commit', sha, url: this.apiUrl(`/repos/${r.fullName}/git/commits/${sha}`) },
    };
  }

  private commit(r: RepoState, sha: string) {
    const c = r.git.commits.get(sha)!;
    const base = `/repos/${r.fullName}/git`;
    return {
      sha: c.sha,
      node_id: `C_${c.sha}`,
      url: this.apiUrl(`${base}/commits/${c.sha}`),
      html_url: `https://github.com/${r.fullName}/commit/${c.sha}`,
      author: c.author,
      committer: c.committer,
      message: c.message,
      tree: { sha: c.tree, url: this.apiUrl(`${base}/trees/${c.tree}`) },
      parents: c.parents.map((p) => ({
        sha: p,
        url: this.apiUrl(`${base}/commits/${p}`),
        html_url: `https://github.com/${r.fullName}/commit/${p}`,
      })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    };
  }

  private label(r: RepoState, name: string) {
    const l = r.labels.get(name.toLowerCase())!;
    return {
      id: l.id,
      node_id: `LA_${l.id}`,
      url: this.apiUrl(`/repos/${r.fullName}/labels/${encodeURIComponent(l.name)}`),
      name: l.name,
      color: l.color,
      description: l.description,
      default: false,
    };
  }

  private pull(r: RepoState, p: PullState) {
    const url = this.apiUrl(`/repos/${r.fullName}/pulls/${p.number}`);
    const issueUrl = this.apiUrl(`/repos/${r.fullName}/issues/${p.number}`);
    const html = `https://github.com/${r.fullName}/pull/${p.number}`;
    const repo = this.repository(r);
    const side = (branch: string) => ({
      label: `${r.owner}:${branch}`,
      ref: branch,
      sha: r.refs.get(`heads/${branch}`) ?? '0000000000000000000000000000000000000000',
      user: this.user(r.owner),
      repo,
    });
    const ahead = r.commitsAhead(p.base, p.head);
    return {
      url,
      id: p.id,
      node_id: `PR_${p.id}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: issueUrl,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: this.apiUrl(`/repos/${r.fullName}/pulls/comments{/number}`),
      comments_url: `${issueUrl}/comments`,
      statuses_url: this.apiUrl(`/repos/${r.fullName}/statuses/${side(p.head).sha}`),
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      user: this.user(p.author),
      body: p.body,
      labels: p.labels.map((n) => this.label(r, n)),
      milestone: null,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      closed_at: p.closedAt,
      merged_at: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: p.requestedReviewers.map((l) => this.user(l)),
      requested_teams: [],
      head: side(p.head),
      base: side(p.base),
      _links: {
        self: { href: url },
        html: { href: html },
        issue: { href: issueUrl },
        comments: { href: `${issueUrl}/comments` },
        review_comments: { href: `${url}/comments` },
        review_comment: { href: this.apiUrl(`/repos/${r.fullName}/pulls/comments{/number}`) },
        commits: { href: `${url}/commits` },
        statuses: { href: this.apiUrl(`/repos/${r.fullName}/statuses/${side(p.head).sha}`) },
      },
      author_association: 'COLLABORATOR',
      auto_merge: null,
      draft: p.draft,
      merged: p.merged,
      mergeable: null,
      rebaseable: null,
      mergeable_state: 'unknown',
      merged_by: null,
      comments: 0,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: ahead.length,
      additions: 0,
      deletions: 0,
      changed_files: 0,
    };
  }

  // ---- operations ---------------------------------------------------------------------------------

  private buildHandlers(): Record<string, Handler> {
    const validation = (message: string, errors?: unknown[]) =>
      new HttpError(422, message, errors ? { errors } : { status: '422' });
    const now = () => new Date().toISOString();
    const findPull = (r: RepoState, n: number) => {
      const p = r.pulls.find((x) => x.number === n);
      if (!p) throw new HttpError(404, 'Not Found');
      return p;
    };
    const signature = (given: any) => ({
      name: given?.name ?? this.login,
      email: given?.email ?? `${this.login}@users.noreply.github.invalid`,
      date: given?.date ?? now(),
    });

    return {
      'repos/get': ({ match, repo }) => ({ status: 200, body: this.shaped(match, 200, this.repository(repo())) }),

      'git/get-ref': ({ match, params, repo }) => {
        const r = repo();
        if (!r.refs.has(params.ref)) throw new HttpError(404, 'Not Found');
        return { status: 200, body: this.shaped(match, 200, this.ref(r, params.ref)) };
      },

      'git/create-ref': ({ match, body, repo }) => {
        const r = repo();
        const ref = String(body.ref);
        if (!/^refs\/[^/]+\/.+/.test(ref)) throw validation(`${ref} is not a valid ref name.`);
        const name = ref.slice('refs/'.length);
        if (r.refs.has(name)) throw validation('Reference already exists');
        if (!r.git.commits.has(body.sha)) throw validation('Object does not exist');
        r.refs.set(name, body.sha);
        return { status: 201, body: this.shaped(match, 201, this.ref(r, name)) };
      },

      'git/update-ref': ({ match, params, body, repo }) => {
        const r = repo();
        const current = r.refs.get(params.ref);
        if (!current) throw validation('Reference does not exist');
        if (!r.git.commits.has(body.sha)) throw validation('Object does not exist');
        if (!body.force && !r.git.isAncestor(current, body.sha)) throw validation('Update is not a fast forward');
        r.refs.set(params.ref, body.sha);
        return { status: 200, body: this.shaped(match, 200, this.ref(r, params.ref)) };
      },

      'git/get-commit': ({ match, params, repo }) => {
        const r = repo();
        if (!r.git.commits.has(params.commit_sha)) throw new HttpError(404, 'Not Found');
        return { status: 200, body: this.shaped(match, 200, this.commit(r, params.commit_sha)) };
      },

      'git/create-commit': ({ match, body, repo }) => {
        const r = repo();
        if (!r.git.trees.has(body.tree)) throw validation('Tree SHA does not exist');
        for (const p of body.parents ?? []) if (!r.git.commits.has(p)) throw validation('Parent SHA does not exist or is not a commit object');
        const author = signature(body.author);
        const c = r.git.writeCommit({
          tree: body.tree,
          parents: body.parents ?? [],
          message: body.message,
          author,
          committer: body.committer ? signature(body.committer) : author,
        });
        return { status: 201, body: this.shaped(match, 201, this.commit(r, c.sha)) };
      },

      'git/create-blob': ({ match, body, repo }) => {
        const r = repo();
        const encoding = body.encoding ?? 'utf-8';
        if (!['utf-8', 'base64'].includes(encoding)) throw validation(`encoding ${encoding} is not supported`);
        const sha = r.git.writeBlob(Buffer.from(body.content, encoding === 'base64' ? 'base64' : 'utf8'));
        return {
          status: 201,
          body: this.shaped(match, 201, { sha, url: this.apiUrl(`/repos/${r.fullName}/git/blobs/${sha}`) }),
        };
      },

      'git/get-tree': ({ match, params, query, repo }) => {
        const r = repo();
        let sha: string | undefined = params.tree_sha;
        if (!r.git.trees.has(sha!)) sha = r.git.commits.get(sha!)?.tree ?? r.branchCommit(String(params.tree_sha))?.tree;
        if (!sha) throw new HttpError(404, 'Not Found');
        const recursive = query.recursive !== undefined && query.recursive !== '0' && query.recursive !== 'false';
        const entries = recursive ? this.allEntries(r, sha) : r.git.trees.get(sha)!;
        return {
          status: 200,
          body: this.shaped(match, 200, {
            sha,
            url: this.apiUrl(`/repos/${r.fullName}/git/trees/${sha}`),
            truncated: false,
            tree: entries.map((e) => ({
              ...e,
              ...(e.type === 'blob' ? { size: r.git.blobs.get(e.sha)?.length ?? 0 } : {}),
              url: this.apiUrl(`/repos/${r.fullName}/git/${e.type === 'tree' ? 'trees' : 'blobs'}/${e.sha}`),
            })),
          }),
        };
      },

      'git/create-tree': ({ match, body, repo }) => {
        const r = repo();
        let files = new Map<string, TreeEntry>();
        if (body.base_tree) {
          if (!r.git.trees.has(body.base_tree)) throw validation('base_tree is not a valid tree oid');
          files = r.git.flatten(body.base_tree);
        }
        for (const e of body.tree as any[]) {
          if (!e.path) throw validation('tree.path is required');
          if (e.sha !== undefined && e.content !== undefined) throw validation('Must supply either tree.sha or tree.content, not both');
          if (e.type && e.type !== 'blob') throw validation(`the double only stores blobs, got tree.type ${e.type}`);
          if (e.sha === null) {
            if (!files.delete(e.path)) throw validation(`GitRPC::BadObjectState: ${e.path} does not exist in base_tree`);
            continue;
          }
          const sha = e.content !== undefined ? r.git.writeBlob(Buffer.from(String(e.content))) : e.sha;
          if (!sha || !r.git.blobs.has(sha)) throw validation(`tree.sha ${sha} is not a valid blob`);
          files.set(e.path, { path: e.path, mode: e.mode ?? '100644', type: 'blob', sha });
        }
        const sha = r.git.writeFlat(files);
        return {
          status: 201,
          body: this.shaped(match, 201, {
            sha,
            url: this.apiUrl(`/repos/${r.fullName}/git/trees/${sha}`),
            truncated: false,
            tree: r.git.trees.get(sha)!.map((e) => ({
              ...e,
              url: this.apiUrl(`/repos/${r.fullName}/git/${e.type === 'tree' ? 'trees' : 'blobs'}/${e.sha}`),
            })),
          }),
        };
      },

      'pulls/list': ({ match, query, repo }) => {
        const r = repo();
        const state = query.state ?? 'open';
        let head: string | undefined;
        if (query.head !== undefined) {
          const [owner, ...rest] = String(query.head).split(':');
          // GitHub filters by "user:ref-name"; a bare ref matches nothing.
          head = rest.length && owner.toLowerCase() === r.owner.toLowerCase() ? rest.join(':') : '\0';
        }
        const list = r.pulls
          .filter((p) => state === 'all' || p.state === state)
          .filter((p) => head === undefined || p.head === head)
          .filter((p) => query.base === undefined || p.base === query.base)
          .sort((a, b) => (query.direction === 'asc' ? a.number - b.number : b.number - a.number));
        const perPage = query.per_page ?? 30;
        const page = query.page ?? 1;
        const items = list.slice((page - 1) * perPage, page * perPage).map((p) => this.pull(r, p));
        return { status: 200, body: this.shaped(match, 200, items) };
      },

      'pulls/get': ({ match, params, repo }) => {
        const r = repo();
        return { status: 200, body: this.shaped(match, 200, this.pull(r, findPull(r, params.pull_number))) };
      },

      'pulls/create': ({ match, body, repo }) => {
        const r = repo();
        const [headOwner, headRef] = String(body.head).includes(':') ? String(body.head).split(':', 2) : [r.owner, String(body.head)];
        if (headOwner.toLowerCase() !== r.owner.toLowerCase()) {
          throw validation('Validation Failed', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
        }
        if (!r.refs.has(`heads/${body.base}`)) {
          throw validation('Validation Failed', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
        }
        if (!r.refs.has(`heads/${headRef}`)) {
          throw validation('Validation Failed', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
        }
        if (r.pulls.some((p) => p.state === 'open' && p.head === headRef && p.base === body.base)) {
          throw validation('Validation Failed', [
            { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${r.owner}:${headRef}.` },
          ]);
        }
        if (!r.commitsAhead(body.base, headRef).length) {
          throw validation('Validation Failed', [
            { resource: 'PullRequest', code: 'custom', message: `No commits between ${body.base} and ${headRef}` },
          ]);
        }
        if (!body.title) throw validation('Validation Failed', [{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
        const p: PullState = {
          id: this.nextId++,
          number: r.nextNumber++,
          title: body.title,
          body: body.body ?? null,
          state: 'open',
          draft: body.draft ?? false,
          merged: false,
          head: headRef,
          base: body.base,
          author: this.login,
          labels: [],
          requestedReviewers: [],
          createdAt: now(),
          updatedAt: now(),
          closedAt: null,
        };
        r.pulls.push(p);
        return {
          status: 201,
          body: this.shaped(match, 201, this.pull(r, p)),
          headers: { location: this.apiUrl(`/repos/${r.fullName}/pulls/${p.number}`) },
        };
      },

      'pulls/update': ({ match, params, body, repo }) => {
        const r = repo();
        const p = findPull(r, params.pull_number);
        if (body.base !== undefined && !r.refs.has(`heads/${body.base}`)) {
          throw validation('Validation Failed', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
        }
        if (body.state === 'open' && p.state === 'closed') {
          if (!r.refs.has(`heads/${p.head}`)) throw validation('Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: 'state cannot be changed. The head branch was deleted.' }]);
          if (r.pulls.some((x) => x !== p && x.state === 'open' && x.head === p.head && x.base === p.base)) {
            throw validation('Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${r.owner}:${p.head}.` }]);
          }
        }
        if (body.title !== undefined) p.title = body.title;
        if (body.body !== undefined) p.body = body.body;
        if (body.base !== undefined) p.base = body.base;
        if (body.state !== undefined && body.state !== p.state) {
          p.state = body.state;
          p.closedAt = body.state === 'closed' ? now() : null;
        }
        p.updatedAt = now();
        return { status: 200, body: this.shaped(match, 200, this.pull(r, p)) };
      },

      'pulls/request-reviewers': ({ match, params, body, repo }) => {
        const r = repo();
        const p = findPull(r, params.pull_number);
        const reviewers: string[] = body?.reviewers ?? [];
        if (reviewers.some((l) => l.toLowerCase() === p.author.toLowerCase())) {
          throw validation('Review cannot be requested from pull request author.');
        }
        const unknown = reviewers.filter((l) => ![...r.collaborators].some((c) => c.toLowerCase() === l.toLowerCase()));
        if (unknown.length) {
          throw validation(
            `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${r.fullName} repository.`,
          );
        }
        for (const l of reviewers) if (!p.requestedReviewers.includes(l)) p.requestedReviewers.push(l);
        return { status: 201, body: this.shaped(match, 201, this.pull(r, p)) };
      },

      'issues/add-labels': ({ match, params, body, repo }) => {
        const r = repo();
        const p = findPull(r, params.issue_number);
        const given: unknown[] = Array.isArray(body) ? body : typeof body === 'string' ? [body] : (body?.labels ?? []);
        for (const g of given) {
          const name = typeof g === 'string' ? g : String((g as { name: string }).name);
          if (!r.labels.has(name.toLowerCase())) {
            // Like GitHub: adding an unknown label to an issue creates it.
            r.labels.set(name.toLowerCase(), { id: this.nextId++, name, color: 'ededed', description: '' });
          }
          const canonical = r.labels.get(name.toLowerCase())!.name;
          if (!p.labels.includes(canonical)) p.labels.push(canonical);
        }
        return { status: 200, body: this.shaped(match, 200, p.labels.map((n) => this.label(r, n))) };
      },
    };
  }

  private allEntries(r: RepoState, treeSha: string, prefix = ''): TreeEntry[] {
    const out: TreeEntry[] = [];
    for (const e of r.git.trees.get(treeSha) ?? []) {
      out.push({ ...e, path: prefix + e.path });
      if (e.type === 'tree') out.push(...this.allEntries(r, e.sha, `${prefix}${e.path}/`));
    }
    return out;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts a double on 127.0.0.1 with a random port. Call `stop()` when done. */
export async function startGithubApiDouble(options: GithubApiDoubleOptions = {}): Promise<GithubApiDouble> {
  return new GithubApiDouble(options).start();
}
