import { PermanentStepError } from '@mockops/worker-kit';
import { normalizeCreatePrConfig, normalizePath, stringifyContent, type CreatePrStepConfig } from './create-pr.config';

// What the schema refuses (unknown options, a missing title, a bad operation...) is tested with the
// schema in pipeline-core (rendered-config.spec.ts); here, what only git knows is wrong.
const base = (): CreatePrStepConfig => ({
  repository: 'https://github.com/org/repo',
  branch: 'main',
  title: 'Drift Violation: GET /users',
  body: 'Drift count: 3, Threshold: 2',
  files: [{ path: 'drift-report.json', content: { a: 1 }, operation: 'create' }],
});

function problem(config: CreatePrStepConfig): string {
  try {
    normalizeCreatePrConfig(config);
  } catch (e) {
    expect(e).toBeInstanceOf(PermanentStepError);
    return (e as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('normalizeCreatePrConfig', () => {
  it('accepts the spec example and writes object content as pretty JSON', () => {
    const c = normalizeCreatePrConfig(base());
    expect(c.repository).toEqual({ host: 'github.com', owner: 'org', repo: 'repo' });
    expect(c.files).toEqual([{ path: 'drift-report.json', operation: 'create', content: Buffer.from('{\n  "a": 1\n}\n') }]);
    expect(c.draft).toBe(false);
    expect(c.labels).toEqual([]);
  });

  it('defaults the operation to create and keeps deletes without content', () => {
    const c = normalizeCreatePrConfig({ ...base(), files: [{ path: './a.txt', content: 'x' }, { path: 'b.txt', operation: 'delete' }] });
    expect(c.files.map((f) => [f.path, f.operation])).toEqual([
      ['a.txt', 'create'],
      ['b.txt', 'delete'],
    ]);
  });

  it('splits user and team reviewers and strips @', () => {
    const c = normalizeCreatePrConfig({ ...base(), reviewers: ['@alice', 'org/platform', 'alice'], labels: 'drift, automated' });
    expect(c.reviewers).toEqual(['alice']);
    expect(c.teamReviewers).toEqual(['platform']);
    expect(c.labels).toEqual(['drift', 'automated']);
  });

  it('lists every problem at once', () => {
    const message = problem({ ...base(), repository: 'https://github.com/org', files: [{ path: '../x', content: 'a' }, { path: '/etc/x', content: 'b' }] });
    expect(message).toContain('must name exactly one repository');
    expect(message).toContain('files[0].path "../x"');
    expect(message).toContain('files[1].path "/etc/x" must be relative');
  });

  it('writes base64 content as bytes, and refuses duplicate paths and a head equal to the target', () => {
    expect(normalizeCreatePrConfig({ ...base(), files: [{ path: 'b.bin', content: 'AAE=', encoding: 'base64' }] }).files[0].content).toEqual(Buffer.from([0, 1]));
    expect(problem({ ...base(), files: [{ path: 'a', content: '1' }, { path: 'a', content: '2' }] })).toContain('appears more than once');
    expect(problem({ ...base(), head_branch: 'main' })).toContain('head_branch must differ from branch');
    expect(problem({ ...base(), head_branch: 'bad name' })).toContain('not a valid branch name');
  });
});

describe('content and paths', () => {
  it('keeps text, pretty-prints objects and arrays', () => {
    expect(stringifyContent('a: 1\n')).toBe('a: 1\n');
    expect(stringifyContent([1, 2])).toBe('[\n  1,\n  2\n]\n');
    expect(stringifyContent(7)).toBe('7');
  });

  it('keeps paths inside the repository', () => {
    expect(normalizePath('docs/a.md')).toBe('docs/a.md');
    expect(normalizePath('/etc/passwd')).toEqual({ error: expect.stringContaining('relative') });
    expect(normalizePath('.git/config')).toEqual({ error: expect.stringContaining('.git') });
    expect(normalizePath('a//b')).toEqual({ error: expect.any(String) });
  });
});
