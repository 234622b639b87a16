// The alert rules through Prometheus' own tool: `promtool check rules` (syntax, types, templates) and
// `promtool test rules` (each alert fires on the series it is meant for, after its `for`, and not on
// the healthy ones). Runs when promtool is on the PATH (Debian's `prometheus` package, which
// .ci/apt-packages.txt installs); skipped otherwise. The metric names are checked by manifests.spec.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';

const dir = join(__dirname, '..', '..', 'k8s', 'observability', 'prometheus');
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
const promtool = (...args: string[]) => spawnSync('promtool', args, { encoding: 'utf8' });

(hasPromtool ? describe : describe.skip)('alert rules (promtool; skipped when promtool is not installed)', () => {
  it('pass `promtool check rules`', () => {
    const res = promtool('check', 'rules', join(dir, 'mockops.rules.yml'));
    expect(res.stdout + res.stderr).toMatch(/SUCCESS: 5 rules found/);
    expect(res.status).toBe(0);
  });

  it('pass their unit tests (`promtool test rules`)', () => {
    const res = promtool('test', 'rules', join(dir, 'mockops.rules.test.yml'));
    expect(res.stdout + res.stderr).toMatch(/SUCCESS/);
    expect(res.status).toBe(0);
  });

  it('promtool refuses a rule that does not parse (the check is real)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rules-'));
    try {
      const file = join(tmp, 'bad.rules.yml');
      writeFileSync(file, dump({ groups: [{ name: 'g', rules: [{ alert: 'Bad', expr: 'sum(rate(mockops_events_read_total[5m])' }] }] }));
      const res = promtool('check', 'rules', file);
      expect(res.status).not.toBe(0);
      expect(res.stdout + res.stderr).toMatch(/parse error/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
