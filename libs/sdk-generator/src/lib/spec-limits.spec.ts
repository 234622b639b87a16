import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSdks } from './generate-sdks';
import { DEFAULT_SPEC_LIMITS, loadApiModel } from './load-api-model';
import { SdkGenerationError } from './sdk-generation.error';

/** The classic "billion laughs" in YAML: 462 bytes that expand to 9^9 strings. */
function aliasBomb(): string {
  const lines = ['openapi: 3.0.0', 'info: {title: bomb, version: "1"}', 'paths: {}', 'x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = 'abcdefghi';
  for (let k = 1; k < names.length; k++) lines.push(`x-${names[k]}: &${names[k]} [${Array(9).fill(`*${names[k - 1]}`).join(',')}]`);
  return lines.join('\n') + '\n';
}

const failure = async (p: Promise<unknown>): Promise<SdkGenerationError> => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(SdkGenerationError);
  return e as SdkGenerationError;
};

// Each test has a short timeout: without the caps these documents block the event loop for tens of seconds.
describe('bounded spec parsing', () => {
  it('refuses a YAML alias bomb before expanding it', async () => {
    const bomb = aliasBomb();
    expect(Buffer.byteLength(bomb)).toBeLessThan(600);
    const e = await failure(generateSdks({ source: bomb, filename: 'bomb.yaml', languages: ['typescript'] }));
    expect(e.message).toBe(`bomb.yaml: document expands to more than ${DEFAULT_SPEC_LIMITS.maxNodes} nodes (YAML anchors/aliases); limit maxNodes`);
  }, 5_000);

  it('still accepts anchors and aliases that stay within the caps', async () => {
    const source = ['openapi: 3.0.0', 'info: {title: ok, version: "1"}', 'paths: {}', 'components:', '  schemas:', '    A: &s {type: object, properties: {x: {type: string}}}', '    B: *s'].join('\n');
    const model = await loadApiModel({ source, filename: 'ok.yaml' });
    expect(model.models.map((m) => m.name)).toEqual(['A', 'B']);
    await expect(loadApiModel({ source, filename: 'ok.yaml', limits: { maxNodes: 10 } })).rejects.toThrow('ok.yaml: document expands to more than 10 nodes');
  }, 5_000);

  it('refuses deeply nested JSON without recursing into it', async () => {
    const deep = `{"openapi":"3.0.0","info":{"title":"deep","version":"1"},"paths":{},"x-deep":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const e = await failure(loadApiModel({ source: deep, filename: 'deep.json' }));
    expect(e.message).toBe(`deep.json: document nests deeper than ${DEFAULT_SPEC_LIMITS.maxDepth} levels; limit maxDepth`);
    // Brackets inside strings are text, not nesting.
    const text = `{"openapi":"3.0.0","info":{"title":"${'['.repeat(1000)}","version":"1"},"paths":{}}`;
    await expect(loadApiModel({ source: text, filename: 'text.json' })).resolves.toMatchObject({ title: '['.repeat(1000) });
  }, 5_000);

  it('refuses deeply nested YAML, also when the depth comes from aliases', async () => {
    const nested = `openapi: 3.0.0\nx: ${'['.repeat(300)}${']'.repeat(300)}\n`;
    expect((await failure(loadApiModel({ source: nested, filename: 'nested.yaml' }))).message).toMatch(/^nested\.yaml:\d+:\d+: invalid YAML: .*depth/i);
    const viaAliases = ['openapi: 3.0.0', `a: &a ${'['.repeat(60)}1${']'.repeat(60)}`, `b: &b ${'['.repeat(60)}*a${']'.repeat(60)}`, `c: ${'['.repeat(60)}*b${']'.repeat(60)}`].join('\n');
    expect((await failure(loadApiModel({ source: viaAliases, filename: 'aliases.yaml' }))).message).toBe(
      `aliases.yaml: document nests deeper than ${DEFAULT_SPEC_LIMITS.maxDepth} levels (YAML aliases expanded); limit maxDepth`,
    );
  }, 5_000);

  it('caps the size, configurable per call', async () => {
    const source = JSON.stringify({ openapi: '3.0.0', info: { title: 'x', version: '1' }, paths: {} });
    await expect(loadApiModel({ source, filename: 'x.json', limits: { maxBytes: 10 } })).rejects.toThrow(`x.json: document is ${source.length} bytes; the limit is 10 (maxBytes)`);
    const proto = 'syntax = "proto3"; import "b.proto"; message A { B b = 1; }';
    const imports = { 'b.proto': `syntax = "proto3"; message B { string s = 1; } // ${'x'.repeat(100)}` };
    await expect(loadApiModel({ source: proto, filename: 'a.proto', imports })).resolves.toMatchObject({ source: 'protobuf' });
    await expect(loadApiModel({ source: proto, filename: 'a.proto', imports, limits: { maxBytes: 100 } })).rejects.toThrow(/^a\.proto: document and imports are \d+ bytes; the limit is 100/);
  });

  it("accepts GitHub's own description (13 MB of JSON) with the default caps", async () => {
    const github = readFileSync(join(__dirname, '../../../../node_modules/@octokit/openapi/generated/api.github.com.json'));
    expect(github.length).toBeGreaterThan(12_000_000);
    const model = await loadApiModel({ source: github, filename: 'api.github.com.json' });
    expect(model.operations.length).toBeGreaterThan(900);
  }, 60_000);
});
