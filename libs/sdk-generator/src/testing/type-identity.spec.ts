import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { clientSurface, emitSdks } from '../lib/generate-sdks';
import { loadApiModel } from '../lib/load-api-model';
import { checkTypeIdentity } from './type-identity';

const HOSTILE = readFileSync(join(__dirname, '../fixtures/openapi/hostile-names.yaml'), 'utf8');

describe('type identity check', () => {
  const setup = async () => {
    const model = await loadApiModel({ source: HOSTILE, filename: 'hostile-names.yaml' });
    const { files } = emitSdks(model, ['typescript', 'python', 'rust']);
    const surfaces = { typescript: clientSurface(model, 'typescript'), python: clientSurface(model, 'python'), rust: clientSurface(model, 'rust') };
    return { model, files, surfaces, doc: load(HOSTILE) as Record<string, unknown> };
  };

  it('finds every operation returning the model its description names', async () => {
    const { model, files, surfaces, doc } = await setup();
    const { checked, issues } = checkTypeIdentity(doc, model, files, surfaces);
    expect(issues).toEqual([]);
    expect(checked).toBe(6);
  });

  it('reports a Rust method whose return type resolves to a name client.rs imports (the old Duration bug)', async () => {
    const { model, files, surfaces, doc } = await setup();
    // What the generator used to emit: the model keeps the name `Duration`, which client.rs imports from std.
    const broken = files.map((f) => (f.path.startsWith('rust/') ? { ...f, content: f.content.replace(/\bDuration2\b/g, 'Duration') } : f));
    const rustSurface = { ...surfaces.rust, typeNames: new Map([...surfaces.rust.typeNames].map(([k, v]) => [k, v === 'Duration2' ? 'Duration' : v])) };
    const { issues } = checkTypeIdentity(doc, model, broken, { ...surfaces, rust: rustSurface });
    expect(issues).toEqual([
      { language: 'rust', operation: 'getDuration', expected: 'Duration (model for #/components/schemas/Duration)', found: 'Duration (client.rs binds Duration itself)' },
    ]);
  });

  it('reports a method that returns another model than the one the description names', async () => {
    const { model, files, surfaces, doc } = await setup();
    const broken = files.map((f) => (f.path === 'typescript/src/client.ts' ? { ...f, content: f.content.replace('Promise<M.Read[]>', 'Promise<M.Call[]>') } : f));
    const { issues } = checkTypeIdentity(doc, model, broken, surfaces);
    expect(issues).toEqual([{ language: 'typescript', operation: 'listReads', expected: 'M.Read[] (model for #/components/schemas/Read)', found: 'M.Call[]' }]);
  });
});
