import { Octokit } from '@octokit/rest';
import { startGithubApiDouble, type GithubApiDouble } from './github-api-double';
import { githubOpenApi } from './openapi-description';

// Loading and compiling GitHub's 13 MB description takes seconds on a busy 2-core machine.
jest.setTimeout(60_000);

// The double itself: requests Octokit sends are checked against GitHub's OpenAPI description, bad ones are
// answered 400/404 and recorded, and what the double answers is valid against the response schemas.
const quiet = () => undefined;

describe('GitHub API double', () => {
  let github: GithubApiDouble;
  let octokit: Octokit;

  beforeEach(async () => {
    github = await startGithubApiDouble({ tokens: ['t0k'] });
    github.seedRepo({ owner: 'acme', repo: 'api', files: { 'a.txt': 'a\n', 'dir/b.txt': 'b\n' } });
    octokit = new Octokit({ auth: 't0k', baseUrl: github.url, log: { debug: quiet, info: quiet, warn: quiet, error: quiet } });
  });

  afterEach(() => github.stop());

  const status = async (p: Promise<unknown>) => {
    try {
      await p;
      return 200;
    } catch (e) {
      return (e as { status: number }).status;
    }
  };

  it('serves the git data API with real SHAs and keeps branch state', async () => {
    const owner = 'acme';
    const repo = 'api';
    const { data: ref } = await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' });
    const { data: base } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: ref.object.sha });
    const { data: blob } = await octokit.rest.git.createBlob({ owner, repo, content: 'hello\n' });
    // `git hash-object` of "hello\n".
    expect(blob.sha).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    const { data: tree } = await octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: base.tree.sha,
      tree: [
        { path: 'new/hello.txt', mode: '100644', type: 'blob', sha: blob.sha },
        { path: 'dir/b.txt', mode: '100644', type: 'blob', sha: null },
      ],
    });
    const { data: commit } = await octokit.rest.git.createCommit({ owner, repo, message: 'm', tree: tree.sha, parents: [base.sha] });
    await octokit.rest.git.createRef({ owner, repo, ref: 'refs/heads/feature', sha: commit.sha });

    expect(github.readBranchFiles(owner, repo, 'feature')).toEqual({ 'a.txt': 'a\n', 'new/hello.txt': 'hello\n' });
    expect(github.readBranchFiles(owner, repo, 'main')).toEqual({ 'a.txt': 'a\n', 'dir/b.txt': 'b\n' });

    const { data: pr } = await octokit.rest.pulls.create({ owner, repo, title: 'T', head: 'feature', base: 'main' });
    expect(pr.number).toBe(1);
    expect(await status(octokit.rest.pulls.create({ owner, repo, title: 'T', head: 'feature', base: 'main' }))).toBe(422);
    const { data: listed } = await octokit.rest.pulls.list({ owner, repo, head: 'acme:feature' });
    expect(listed.map((p) => p.number)).toEqual([1]);
    // A non-fast-forward update needs force.
    const { data: other } = await octokit.rest.git.createCommit({ owner, repo, message: 'x', tree: base.tree.sha, parents: [base.sha] });
    expect(await status(octokit.rest.git.updateRef({ owner, repo, ref: 'heads/feature', sha: other.sha }))).toBe(422);
    await octokit.rest.git.updateRef({ owner, repo, ref: 'heads/feature', sha: other.sha, force: true });
    expect(github.branchSha(owner, repo, 'feature')).toBe(other.sha);

    expect(github.violations).toEqual([]);
  });

  it('records a request body the description does not allow and answers 400', async () => {
    const res = await status(octokit.request('POST /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'api', title: 42, head: 'x' } as never));
    expect(res).toBe(400);
    expect(github.violations).toHaveLength(1);
    expect(github.violations[0]).toMatchObject({ kind: 'request', operationId: 'pulls/create' });
    expect(github.violations[0].problems.map((p) => p.message).join(' ')).toMatch(/base/);
  });

  it('records unknown routes, wrong methods and unknown query parameters', async () => {
    expect(await status(octokit.request('GET /repos/{owner}/{repo}/no-such-thing', { owner: 'acme', repo: 'api' }))).toBe(404);
    expect(await status(octokit.request('PUT /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'api' }))).toBe(404);
    expect(await status(octokit.request('GET /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'api', bogus: 1 }))).toBe(400);
    expect(github.violations.map((v) => v.kind)).toEqual(['route', 'route', 'request']);
  });

  it('rejects a bad token and injects failures with rate-limit headers', async () => {
    const bad = new Octokit({ auth: 'nope', baseUrl: github.url, log: octokit.log });
    expect(await status(bad.rest.repos.get({ owner: 'acme', repo: 'api' }))).toBe(401);

    github.failNext(1, { status: 429, retryAfterSeconds: 7 });
    try {
      await octokit.rest.repos.get({ owner: 'acme', repo: 'api' });
      throw new Error('expected 429');
    } catch (e) {
      const err = e as { status: number; response: { headers: Record<string, string> } };
      expect(err.status).toBe(429);
      expect(err.response.headers['retry-after']).toBe('7');
    }
    const { data } = await octokit.rest.repos.get({ owner: 'acme', repo: 'api' });
    expect(data.default_branch).toBe('main');
    expect(github.violations).toEqual([]);
  });

  it('answers bodies that validate against the response schemas', async () => {
    const api = githubOpenApi();
    const owner = 'acme';
    const repo = 'api';
    const { data: ref } = await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' });
    await octokit.rest.git.createRef({ owner, repo, ref: 'refs/heads/f', sha: ref.object.sha });
    const { data: commit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: ref.object.sha });
    const { data: tree } = await octokit.rest.git.createTree({ owner, repo, base_tree: commit.tree.sha, tree: [{ path: 'c.txt', content: 'c' }] });
    const { data: c2 } = await octokit.rest.git.createCommit({ owner, repo, message: 'c', tree: tree.sha, parents: [commit.sha] });
    await octokit.rest.git.updateRef({ owner, repo, ref: 'heads/f', sha: c2.sha });
    const { data: pr } = await octokit.rest.pulls.create({ owner, repo, title: 't', head: 'f', base: 'main', draft: true });
    const { data: labels } = await octokit.rest.issues.addLabels({ owner, repo, issue_number: pr.number, labels: ['x'] });
    const { data: rr } = await octokit.rest.pulls.requestReviewers({ owner, repo, pull_number: pr.number, reviewers: ['acme'] });

    const check = (method: string, path: string, code: number, body: unknown) => {
      const m = api.match(method, path);
      if (!m || !('operationId' in m)) throw new Error(`no route ${path}`);
      return api.validateResponse(m, code, body);
    };
    expect(check('POST', '/repos/acme/api/pulls', 201, pr)).toEqual([]);
    expect(check('POST', '/repos/acme/api/issues/1/labels', 200, labels)).toEqual([]);
    expect(check('POST', '/repos/acme/api/pulls/1/requested_reviewers', 201, rr)).toEqual([]);
    expect(check('GET', '/repos/acme/api/git/commits/x', 200, commit)).toEqual([]);
    // And the check really bites: a pull request without its number is not a pull request.
    const { number: _n, ...broken } = pr;
    expect(check('POST', '/repos/acme/api/pulls', 201, broken)).not.toEqual([]);
    expect(labels.map((l) => l.name)).toEqual(['x']);
    expect(rr.requested_reviewers?.map((u) => u.login)).toEqual(['acme']);
    expect(github.violations).toEqual([]);
  });
});
