import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, main } from '../main';

// `mockforge pipelines test` runs offline: no gateway is configured, and none is called.
const PIPELINE = `name: sdk-release
definition:
  triggers:
    - event: schema.changed
      filters:
        schema_type: openapi
  steps:
    - name: regenerate
      step_type: regenerate_sdk
      config:
        spec_path: "{{event.spec_path}}"
        languages: ["typescript"]
    - name: open_pr
      step_type: create_pr
      needs: regenerate
      if: event.spec_path != 'specs/draft.yaml'
      config:
        repository: "https://github.com/org/sdks"
        branch: main
        title: "SDKs for {{event.spec_path}}"
        files: "{{steps.regenerate.outputs.files}}"
        token: "{{secrets.GITHUB_TOKEN}}"
`;

describe('mockforge pipelines test (offline dry run)', () => {
  let dir: string;
  const io = () => {
    const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
    return io;
  };
  const noFetch = (async () => {
    throw new Error('the dry run must not call the gateway');
  }) as unknown as typeof fetch;
  const run = (args: string[], out = io()) => main(['node', 'mockforge', 'pipelines', 'test', ...args], { io: out, env: {}, fetch: noFetch }).then((code) => ({ code, out }));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mockforge-test-'));
    file('pipeline.yaml', PIPELINE);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 1 and names the failing filter with the value the event has', async () => {
    const event = file('proto.json', JSON.stringify({ type: 'schema.changed', payload: { schema_type: 'protobuf', spec_path: 'specs/a.proto' } }));
    const { code, out } = await run([join(dir, 'pipeline.yaml'), '--event', event]);
    expect(code).toBe(EXIT_FAILED);
    expect(out.stdout).toContain('✗ trigger 1 (schema.changed): filter schema_type: expected "openapi", the event has "protobuf" (payload)');
    expect(out.stdout).toContain('result: nothing would start');
  });

  it('exits 0 when it matches, with the plan, conditions decided now and secrets masked', async () => {
    const event = file('openapi.json', JSON.stringify({ type: 'schema.changed', workspace_id: 'ws-1', payload: { schema_type: 'openapi', spec_path: 'specs/draft.yaml' } }));
    const { code, out } = await run([join(dir, 'pipeline.yaml'), '--event', event, '--workspace', 'ws-1']);
    expect(code).toBe(EXIT_OK);
    expect(out.stdout).toContain('✓ trigger 1 (schema.changed) matches');
    expect(out.stdout).toContain('✓ the event belongs to workspace ws-1');
    expect(out.stdout).toContain('open_pr (create_pr) after regenerate: skipped: if: event.spec_path != \'specs/draft.yaml\' is false');
    expect(out.stdout).toContain('"token":"***"');
    expect(out.stdout).toContain('at run time: files: reads the outputs of step "regenerate", known once it has run');

    const asJson = await run([join(dir, 'pipeline.yaml'), '--event', event, '--workspace', 'ws-1', '-o', 'json']);
    const report = JSON.parse(asJson.out.stdout);
    expect(report).toMatchObject({ matched: true, trigger: 0, plan: { steps: [{ name: 'regenerate', outcome: 'runs' }, { name: 'open_pr', outcome: 'skipped', skip_reason: { code: 'CONDITION_FALSE' } }] } });
  });

  it('exits 1 for an event of another workspace than the pipeline owner', async () => {
    const event = file('other-ws.json', JSON.stringify({ type: 'schema.changed', workspace_id: 'ws-2', payload: { schema_type: 'openapi', spec_path: 'a' } }));
    const { code, out } = await run([join(dir, 'pipeline.yaml'), '--event', event, '--workspace', 'ws-1']);
    expect(code).toBe(EXIT_FAILED);
    expect(out.stdout).toContain('✗ the pipeline belongs to workspace ws-1; the event belongs to ws-2');
  });

  it('exits 2 for an invalid pipeline or event, saying why', async () => {
    const event = file('bad-event.json', JSON.stringify({ payload: {} }));
    const bad = await run([join(dir, 'pipeline.yaml'), '--event', event]);
    expect(bad.code).toBe(EXIT_USAGE);
    expect(bad.out.stderr).toContain('type: required');
    const badPipeline = file('bad.yaml', PIPELINE.replace('needs: regenerate', 'needs: regenerat'));
    const invalid = await run([badPipeline, '--event', join(dir, 'proto.json')]);
    expect(invalid.code).toBe(EXIT_USAGE);
    expect(invalid.out.stderr).toMatch(/bad\.yaml:\d+:\d+: .*regenerat/);
  });

  it("prints what the README's Language section shows for its example", async () => {
    const root = join(__dirname, '..', '..', '..', '..');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Language'), readme.indexOf('## The run view'));
    expect(section).toContain('```yaml\n' + readFileSync(join(root, 'docs/examples/drift-triage.yaml'), 'utf8') + '```');
    const shown = /\$ mockforge pipelines test (\S+) --event (\S+) --workspace (\S+)\n([\s\S]*?)\$ echo \$\?\n(\d)\n/.exec(section);
    expect(shown).not.toBeNull();
    const [, file, event, workspace, output, code] = shown!;
    const result = await run([join(root, file), '--event', join(root, event), '--workspace', workspace]);
    expect(result.out.stdout).toBe(output);
    expect(String(result.code)).toBe(code);
  });
});
