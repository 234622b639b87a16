import { createHash } from 'node:crypto';
import { assertEgressAllowed, EgressDeniedError, EgressError } from '@mockops/egress';
import { PermanentStepError, TransientStepError, type StepHandler, type StepResult, type StepRunContext } from '@mockops/worker-kit';
import { generatedHeadBranch } from './branch-names';
import { normalizeCreatePrConfig, type CreatePrStepConfig, type FileChange, type NormalizedCreatePrConfig } from './create-pr.config';
import type { GithubClient } from './github-client';
import { DEFAULT_GITHUB_CLIENT_POLICY, type EgressOptions, type GithubClientPolicy } from './github-client-policy';
import { statusOf, toStepError } from './github-errors';
import { apiBaseUrlFor } from './repository-url';

/** What the create_pr step needs, given by whoever builds it (the runtime, from the config's sections). */
export interface CreatePrHandlerOptions {
  /**
   * The operator's GitHub API (GITHUB_API_URL): used when the step has no `api_url`, and the only API
   * the operator's token is ever sent to (default https://api.github.com). Without it and without
   * `api_url`, the API is derived from the repository host.
   */
  githubApiUrl?: string;
  /** The operator's token, used when the step has no `token` (bound to the operator's GitHub API like GITHUB_TOKEN). */
  token?: string;
  userAgent?: string;
  egress?: EgressOptions;
  policy?: Partial<GithubClientPolicy>;
}

/** Trailer in every commit the step writes; a re-run recognises its own branch by it. */
export const EXECUTION_TRAILER = 'MockOps-Execution-Id';

interface TreeItem {
  path: string;
  mode: '100644' | '100755' | '040000' | '160000' | '120000';
  type: 'blob' | 'tree' | 'commit';
  sha: string | null;
}

interface PullSummary {
  number: number;
  html_url: string;
  title: string;
  body: string | null;
  state: string;
  merged_at: string | null;
}

/**
 * The create_pr step: commits all files in one commit on a head branch (through the git data API, so
 * no clone) and opens — or on a re-run, updates — one pull request into the target branch.
 */
export function createCreatePrHandler(options: CreatePrHandlerOptions = {}): StepHandler<CreatePrStepConfig> {
  const policy = { ...DEFAULT_GITHUB_CLIENT_POLICY, ...options.policy };
  return {
    stepType: 'create_pr',
    async run(ctx: StepRunContext<CreatePrStepConfig>): Promise<StepResult> {
      const config = normalizeCreatePrConfig(ctx.config);
      const { owner, repo } = config.repository;
      const fullName = `${owner}/${repo}`;
      const operatorApi = options.githubApiUrl;
      const baseUrl = config.apiUrl ?? operatorApi ?? apiBaseUrlFor(config.repository.host);
      const { token, origin } = await resolveToken(ctx, config.token, options.token);
      if (!token) {
        throw new PermanentStepError(
          'no GitHub token: set the step\'s token: "{{ secrets.NAME }}" from your workspace\'s secrets (mockforge secrets set), or, for global pipelines, GITHUB_TOKEN',
          'GITHUB_TOKEN_MISSING',
        );
      }
      // The operator's token goes only to the GitHub API it was configured for; a pipeline that names
      // another API host brings its own token from its workspace.
      if (origin === 'operator') {
        const bound = normalizeApiBase(operatorApi ?? DEFAULT_GITHUB_API);
        if (normalizeApiBase(baseUrl) !== bound) {
          throw new PermanentStepError(
            `the operator's GitHub token is only sent to ${bound}; this step targets ${normalizeApiBase(baseUrl)}: use a token of your own ("{{ secrets.NAME }}" from your workspace's secrets)`,
            'GITHUB_TOKEN_BOUND',
          );
        }
      }
      try {
        await assertEgressAllowed(baseUrl, { allow: options.egress?.allow, resolver: options.egress?.resolver });
      } catch (e) {
        if (e instanceof EgressDeniedError) throw new PermanentStepError(e.message, 'EGRESS_DENIED');
        if (e instanceof EgressError) throw toStepError({ message: e.message, cause: e }, 'checking the GitHub API address', fullName);
        throw e;
      }
      // Octokit is loaded on the first run, not at boot (docs/performance.md, P7).
      const { createGithubClient } = await import('./github-client');
      const gh = createGithubClient({
        baseUrl,
        token,
        userAgent: options.userAgent ?? 'mockops-pipelines/create_pr',
        policy,
        egress: options.egress,
        signal: ctx.signal,
        log: (line) => ctx.log(line),
      });
      return new PullRequestRun(gh, ctx, config).run();
    },
  };
}

const DEFAULT_GITHUB_API = 'https://api.github.com';

function normalizeApiBase(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`.toLowerCase();
  } catch {
    return url;
  }
}

/**
 * The token and whose it is: the step's `token` (a workspace's secret, or the operator's in a global
 * pipeline — the worker base says which), else the handler's configured one (operator), else the
 * GITHUB_TOKEN secret the pipeline may use (its workspace's own, or the operator's if shared).
 */
async function resolveToken(
  ctx: StepRunContext<CreatePrStepConfig>,
  fromConfig: string | undefined,
  fromOptions: string | undefined,
): Promise<{ token?: string; origin?: 'workspace' | 'operator' }> {
  if (fromConfig) return { token: fromConfig, origin: ctx.credentials.find((c) => c.field === 'token')?.origin };
  if (fromOptions) return { token: fromOptions, origin: 'operator' };
  const secret = await ctx.secret('GITHUB_TOKEN');
  return secret ? { token: secret.value, origin: secret.origin } : {};
}

class PullRequestRun {
  private readonly owner: string;
  private readonly repo: string;
  private readonly fullName: string;

  constructor(
    private readonly gh: GithubClient,
    private readonly ctx: StepRunContext<CreatePrStepConfig>,
    private readonly config: NormalizedCreatePrConfig,
  ) {
    this.owner = config.repository.owner;
    this.repo = config.repository.repo;
    this.fullName = `${this.owner}/${this.repo}`;
  }

  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.stepError(e, action);
    }
  }

  private stepError(e: unknown, action: string) {
    // An aborted signal (step timeout, shutdown) surfaces from fetch as a network error; say what it was.
    if (this.ctx.signal.aborted) {
      return new TransientStepError(`stopped while ${action}: the step timed out or the worker is shutting down`, 'STEP_ABORTED');
    }
    return toStepError(e, action, this.fullName);
  }

  async run(): Promise<StepResult> {
    const { owner, repo, ctx, config } = this;
    const executionId = ctx.execution.id;
    const base = config.branch ?? (await this.defaultBranch());
    const head = config.headBranch ?? generatedHeadBranch(ctx.execution.pipelineName, executionId);
    if (head === base) throw new PermanentStepError(`head branch ${head} is the target branch; set head_branch to another name`, 'CONFIG_INVALID');
    ctx.log(`create_pr: ${this.fullName} ${base} <- ${head}, ${config.files.length} file(s)`);

    const baseSha = await this.branchSha(base);
    if (!baseSha) {
      await this.assertRepoReachable();
      throw new PermanentStepError(`target branch "${base}" does not exist in ${this.fullName}`, 'GITHUB_BRANCH_MISSING');
    }
    const baseCommit = await this.call('reading the target branch commit', () =>
      this.gh.rest.git.getCommit({ owner, repo, commit_sha: baseSha }),
    );

    // A head branch made by this execution is rebuilt on the target (re-run); one that holds someone
    // else's work is extended with a fast-forward commit instead of being overwritten.
    const headSha = await this.branchSha(head);
    let parentSha = baseSha;
    let parentTree = baseCommit.data.tree.sha;
    let ours = true;
    let headCommit: { sha: string; tree: string; parents: string[] } | undefined;
    if (headSha) {
      const { data } = await this.call('reading the head branch commit', () => this.gh.rest.git.getCommit({ owner, repo, commit_sha: headSha }));
      headCommit = { sha: data.sha, tree: data.tree.sha, parents: data.parents.map((p) => p.sha) };
      ours = trailerValue(data.message) === executionId;
      if (!ours) {
        parentSha = headSha;
        parentTree = data.tree.sha;
        ctx.log(`head branch ${head} exists with other commits; adding a commit on top of it`);
      }
    }

    const treeSha = await this.buildTree(parentTree);
    let commitSha: string;
    let changed = treeSha !== parentTree;
    if (!changed && !headSha) {
      ctx.log(`no changes: ${base} already has these files; no pull request opened`);
      return {
        outputs: { pr_url: null, pr_number: null, head_branch: head, base_branch: base, commit_sha: baseSha, created: false, changed: false },
      };
    }
    if (!changed) {
      commitSha = headSha!;
    } else if (ours && headCommit && headCommit.tree === treeSha && headCommit.parents[0] === baseSha) {
      // Same execution, same content, target unchanged: the commit from the earlier attempt is the answer.
      commitSha = headCommit.sha;
      changed = false;
      ctx.log(`head branch ${head} already holds this change (${commitSha.slice(0, 7)})`);
    } else {
      const message = `${config.commitMessage ?? config.title}\n\n${EXECUTION_TRAILER}: ${executionId}\n`;
      const { data } = await this.call('creating the commit', () =>
        this.gh.rest.git.createCommit({ owner, repo, message, tree: treeSha, parents: [parentSha] }),
      );
      commitSha = data.sha;
      if (headSha) {
        await this.call(`updating branch ${head}`, () =>
          this.gh.rest.git.updateRef({ owner, repo, ref: `heads/${head}`, sha: commitSha, force: ours }),
        );
        ctx.log(`updated branch ${head} to ${commitSha.slice(0, 7)}${ours ? ' (rebuilt on ' + base + ')' : ''}`);
      } else {
        await this.call(`creating branch ${head}`, () =>
          this.gh.rest.git.createRef({ owner, repo, ref: `refs/heads/${head}`, sha: commitSha }),
        );
        ctx.log(`created branch ${head} at ${commitSha.slice(0, 7)}`);
      }
    }

    const { pull, created } = await this.openOrUpdatePull(base, head);
    if (config.labels.length) {
      await this.call('adding labels', () =>
        this.gh.rest.issues.addLabels({ owner, repo, issue_number: pull.number, labels: config.labels }),
      );
    }
    if (config.reviewers.length || config.teamReviewers.length) {
      await this.call(`requesting reviewers on ${pull.html_url}`, () =>
        this.gh.rest.pulls.requestReviewers({
          owner,
          repo,
          pull_number: pull.number,
          ...(config.reviewers.length ? { reviewers: config.reviewers } : {}),
          ...(config.teamReviewers.length ? { team_reviewers: config.teamReviewers } : {}),
        }),
      );
    }
    ctx.log(`${created ? 'opened' : 'updated'} ${pull.html_url}`);
    return {
      outputs: {
        pr_url: pull.html_url,
        pr_number: pull.number,
        head_branch: head,
        base_branch: base,
        commit_sha: commitSha,
        created,
        changed,
      },
    };
  }

  private async defaultBranch(): Promise<string> {
    const { data } = await this.call('reading the repository', () => this.gh.rest.repos.get({ owner: this.owner, repo: this.repo }));
    return data.default_branch;
  }

  private async assertRepoReachable(): Promise<void> {
    await this.call('reading the repository', () => this.gh.rest.repos.get({ owner: this.owner, repo: this.repo }));
  }

  /** The branch's commit sha, or undefined when it does not exist (404). */
  private async branchSha(branch: string): Promise<string | undefined> {
    try {
      const { data } = await this.gh.rest.git.getRef({ owner: this.owner, repo: this.repo, ref: `heads/${branch}` });
      // getRef on a prefix answers another ref (or a list); only an exact match counts.
      return data.ref === `refs/heads/${branch}` ? data.object.sha : undefined;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw this.stepError(e, `reading branch ${branch}`);
    }
  }

  /** Writes changed blobs and a tree on top of `parentTree`; returns the new tree sha (or parentTree when nothing changed). */
  private async buildTree(parentTree: string): Promise<string> {
    const { owner, repo, ctx } = this;
    const { data: listing } = await this.call('reading the file tree', () =>
      this.gh.rest.git.getTree({ owner, repo, tree_sha: parentTree, recursive: 'true' }),
    );
    const existing = new Map<string, { sha: string; mode: string }>();
    for (const e of listing.tree) if (e.type === 'blob' && e.path && e.sha) existing.set(e.path, { sha: e.sha, mode: e.mode ?? '100644' });
    // A truncated listing (huge repository) cannot prove a path is absent, so deletes are then sent as given.
    const complete = !listing.truncated;

    const items: TreeItem[] = [];
    for (const f of this.config.files) {
      const current = existing.get(f.path);
      if (f.operation === 'delete') {
        if (!current && complete) {
          ctx.log(`delete ${f.path}: not in the repository, nothing to delete`);
          continue;
        }
        items.push({ path: f.path, mode: (current?.mode ?? '100644') as TreeItem['mode'], type: 'blob', sha: null });
        continue;
      }
      const sha = blobSha(f);
      if (current?.sha === sha) {
        ctx.log(`${f.operation} ${f.path}: content unchanged`);
        continue;
      }
      if (f.operation === 'create' && current) ctx.log(`create ${f.path}: file exists, replacing its content`);
      if (f.operation === 'update' && !current && complete) ctx.log(`update ${f.path}: file does not exist yet, creating it`);
      const { data } = await this.call(`uploading ${f.path}`, () =>
        this.gh.rest.git.createBlob({ owner, repo, content: f.content!.toString('base64'), encoding: 'base64' }),
      );
      items.push({ path: f.path, mode: (current?.mode ?? '100644') as TreeItem['mode'], type: 'blob', sha: data.sha });
    }
    if (!items.length) return parentTree;
    const { data } = await this.call('creating the tree', () =>
      this.gh.rest.git.createTree({ owner, repo, base_tree: parentTree, tree: items }),
    );
    return data.sha;
  }

  /** Reuses the head branch's pull request when there is one (reopening it if closed unmerged). */
  private async openOrUpdatePull(base: string, head: string): Promise<{ pull: PullSummary; created: boolean }> {
    const { owner, repo, config, ctx } = this;
    const findExisting = async (): Promise<PullSummary | undefined> => {
      const { data } = await this.call('looking for an existing pull request', () =>
        this.gh.rest.pulls.list({ owner, repo, head: `${owner}:${head}`, base, state: 'all', per_page: 100 }),
      );
      return data.find((p) => p.state === 'open') ?? data.find((p) => p.state === 'closed' && !p.merged_at);
    };
    const existing = await findExisting();
    if (existing) return { pull: await this.updatePull(existing), created: false };
    try {
      const { data } = await this.gh.rest.pulls.create({
        owner,
        repo,
        title: config.title,
        body: config.body,
        head,
        base,
        draft: config.draft,
      });
      return { pull: data, created: true };
    } catch (e) {
      // Two attempts racing (or a lost response): the other one's pull request is ours too.
      if (statusOf(e) === 422 && /already exists/i.test(JSON.stringify((e as { response?: { data?: unknown } }).response?.data ?? ''))) {
        const again = await findExisting();
        if (again) {
          ctx.log(`pull request for ${head} already exists; reusing it`);
          return { pull: await this.updatePull(again), created: false };
        }
      }
      throw this.stepError(e, 'creating the pull request');
    }
  }

  private async updatePull(p: PullSummary): Promise<PullSummary> {
    const { owner, repo, config, ctx } = this;
    const reopen = p.state !== 'open';
    if (!reopen && p.title === config.title && (p.body ?? '') === config.body) return p;
    if (reopen) ctx.log(`reopening closed pull request #${p.number}`);
    const { data } = await this.call(`updating pull request #${p.number}`, () =>
      this.gh.rest.pulls.update({
        owner,
        repo,
        pull_number: p.number,
        title: config.title,
        body: config.body,
        ...(reopen ? { state: 'open' as const } : {}),
      }),
    );
    return data;
  }
}

/** The execution id in our commit trailer, if the message has one. */
export function trailerValue(message: string): string | undefined {
  const m = new RegExp(`^${EXECUTION_TRAILER}:\\s*(\\S+)\\s*$`, 'mi').exec(message);
  return m?.[1];
}

/** Git's blob id for the content, to skip uploading files that did not change. */
function blobSha(f: FileChange): string {
  const content = f.content!;
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}
