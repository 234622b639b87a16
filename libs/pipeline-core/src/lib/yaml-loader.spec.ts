import { formatDiagnostic, formatPath } from './diagnostics';
import { loadYamlDocument } from './yaml-loader';

const load = (source: string, limits = {}) => {
  const r = loadYamlDocument(source, limits);
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r;
};

describe('loadYamlDocument', () => {
  it('records the position of keys, values and list items', () => {
    const { value, map } = load('a:\n  list:\n    - x\n    - "quoted"\n  flow: {k: [1, 2]}\n');
    expect(value).toEqual({ a: { list: ['x', 'quoted'], flow: { k: [1, 2] } } });
    expect(map.locate(['a', 'list'])).toEqual({ line: 2, column: 3 });
    expect(map.locateValue(['a', 'list', 1])).toEqual({ line: 4, column: 7 });
    expect(map.locate(['a', 'flow', 'k'])).toEqual({ line: 5, column: 10 });
    expect(map.locateValue(['a', 'flow', 'k', 1])).toEqual({ line: 5, column: 17 });
  });

  it('falls back to the nearest ancestor for a path that is not in the source', () => {
    const { map } = load('a:\n  b: 1\n');
    expect(map.locate(['a', 'missing', 'deeper'])).toEqual({ line: 1, column: 1 });
    expect(map.locate(['a', 'b', 'x'])).toEqual({ line: 2, column: 3 });
  });

  it('gives JSON text positions too', () => {
    const { map } = load('{\n  "name": "x",\n  "definition": {"steps": []}\n}');
    expect(map.locate(['definition', 'steps'])).toEqual({ line: 3, column: 18 });
  });

  it('uses the core schema: no custom tags, dates and yes/no stay strings', () => {
    expect(load('d: 2024-01-01\ny: yes\nn: 0x10\n').value).toEqual({ d: '2024-01-01', y: 'yes', n: 16 });
    const r = loadYamlDocument('a: !!js/function "x"\n');
    expect(r.ok || r.diagnostics.map((d) => d.code)).toEqual(['YAML_SYNTAX']);
  });

  it('accepts a few aliases but not an expansion past the node cap', () => {
    expect(load('base: &b {x: 1}\ncopy: *b\n').value).toEqual({ base: { x: 1 }, copy: { x: 1 } });
    const r = loadYamlDocument('a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: &b [*a, *a, *a, *a, *a]\nc: [*b, *b, *b]\n', { maxNodes: 100 });
    expect(r.ok || r.diagnostics.map((d) => [d.code, d.line])).toEqual([['ALIAS_EXPANSION_LIMIT', 3]]);
  });

  it('rejects nesting deeper than maxDepth with the parser position', () => {
    const r = loadYamlDocument(`${'['.repeat(20)}${']'.repeat(20)}`, { maxDepth: 10 });
    expect(r.ok || r.diagnostics.map((d) => d.code)).toEqual(['YAML_SYNTAX']);
  });

  it('counts the size cap in UTF-8 bytes', () => {
    expect(loadYamlDocument(`a: "${'é'.repeat(600)}"`, { maxBytes: 1000 }).ok).toBe(false);
    expect(loadYamlDocument(`a: "${'e'.repeat(600)}"`, { maxBytes: 1000 }).ok).toBe(true);
  });
});

describe('formatPath', () => {
  it('writes indices in brackets and quotes keys that are not identifiers', () => {
    expect(formatPath(['definition', 'steps', 1, 'config', 'languages'])).toBe('definition.steps[1].config.languages');
    expect(formatPath(['filters', 'drift_data.level'])).toBe('filters["drift_data.level"]');
    expect(formatPath([0, 'name'])).toBe('[0].name');
  });
});
