import { PermanentStepError } from '@mockops/worker-kit';
import { normalizeOutputDir, normalizeRegenerateSdkConfig, type RegenerateSdkStepConfig } from './regenerate-sdk.config';

function problemOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PermanentStepError);
    expect((e as PermanentStepError).code).toBe('CONFIG_INVALID');
    return (e as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('normalizeRegenerateSdkConfig', () => {
  it("takes the spec's own example: spec_path, three languages, default-like output_dir", () => {
    const c = normalizeRegenerateSdkConfig({ spec_path: 'specs/petstore.yaml', languages: ['typescript', 'rust', 'python'], output_dir: './generated-sdks' });
    expect(c).toEqual({
      spec: { kind: 'file', path: 'specs/petstore.yaml', origin: 'config.spec_path' },
      languages: ['typescript', 'rust', 'python'],
      outputDir: 'generated-sdks',
      packageName: undefined,
      workspaceId: undefined,
    });
  });

  it('falls back to the event payload: spec text first, then spec_path (first spec example has no spec_path)', () => {
    const config: RegenerateSdkStepConfig = { languages: ['typescript'], workspace_id: 'workspace-123' };
    expect(normalizeRegenerateSdkConfig(config, { spec_path: 'a/openapi.yaml', schema_type: 'openapi' })).toMatchObject({
      spec: { kind: 'file', path: 'a/openapi.yaml', origin: 'event.spec_path' },
      outputDir: 'generated-sdks',
      workspaceId: 'workspace-123',
    });
    expect(normalizeRegenerateSdkConfig(config, { spec_path: 'a/openapi.yaml', spec_content: 'openapi: 3.0.0' }).spec).toEqual({
      kind: 'inline',
      text: 'openapi: 3.0.0',
      origin: 'event.spec_content',
      filename: 'openapi.yaml',
    });
    expect(normalizeRegenerateSdkConfig(config, { spec: { openapi: '3.0.0' } }).spec).toMatchObject({ kind: 'inline', text: '{"openapi":"3.0.0"}' });
  });

  it('prefers the config over the event, and inline spec over spec_path', () => {
    const payload = { spec_path: 'from-event.yaml' };
    expect(normalizeRegenerateSdkConfig({ languages: ['rust'], spec_path: 'from-config.yaml' }, payload).spec).toMatchObject({ path: 'from-config.yaml' });
    expect(normalizeRegenerateSdkConfig({ languages: ['rust'], spec: 'openapi: 3.0.0', spec_path: 'x.yaml' }, payload).spec).toMatchObject({ kind: 'inline' });
  });

  it('recognises http(s) URLs and refuses other schemes', () => {
    expect(normalizeRegenerateSdkConfig({ languages: ['python'], spec_path: 'https://specs.example.com/petstore.yaml' }).spec).toEqual({
      kind: 'url',
      url: 'https://specs.example.com/petstore.yaml',
      origin: 'config.spec_path',
    });
    expect(problemOf(() => normalizeRegenerateSdkConfig({ languages: ['python'], spec_path: 'file:///etc/passwd' }))).toMatch(/not file:\/\//);
  });

  it('lists every problem at once (languages and unknown options are the schema\'s: rendered-config.spec.ts in pipeline-core)', () => {
    const message = problemOf(() => normalizeRegenerateSdkConfig({ languages: ['typescript'], output_dir: '../out', package_name: 'bad/name' }));
    expect(message).toContain('output_dir "../out" must not contain ".."');
    expect(message).toContain('package_name "bad/name" may contain only');
    expect(message).toContain('no spec');
  });

  it('says where to put the spec when there is none', () => {
    expect(problemOf(() => normalizeRegenerateSdkConfig({ languages: ['rust'] }, { schema_type: 'openapi' }))).toMatch(/no spec: set spec_path/);
  });
});

describe('normalizeOutputDir', () => {
  const norm = (v: unknown) => {
    const problems: string[] = [];
    const dir = normalizeOutputDir(v, problems);
    return problems.length ? problems : dir;
  };

  it('keeps folders relative to the repository root', () => {
    expect(norm('./generated-sdks')).toBe('generated-sdks');
    expect(norm('sdk/clients/')).toBe('sdk/clients');
    expect(norm('.')).toBe('');
    expect(norm('a\\b')).toBe('a/b');
  });

  it('refuses escaping, absolute and .git folders', () => {
    expect(norm('../x')).toEqual(['output_dir "../x" must not contain ".."']);
    expect(norm('a/../../x')).toHaveLength(1);
    expect(norm('/etc')).toEqual(['output_dir "/etc" must be relative to the repository root']);
    expect(norm('.git/hooks')).toHaveLength(1);
  });
});
