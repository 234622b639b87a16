/**
 * Type identity: for every operation whose success response the description gives as a named schema
 * (`$ref`, or an array of one), the generated method must return the model generated for that schema —
 * read from the generated source, and resolved the way the compiler resolves it (a Rust `Duration`
 * imported by client.rs is std::time::Duration, not the model). Independent of the emitters: it reads
 * the raw description and the generated files only, plus the emitters' published names.
 */
import type { ApiModel } from '../lib/api-model';
import type { ClientSurface, GeneratedFile, SdkLanguage } from '../lib/emitters/emitter';
import { rustModuleNames } from './module-names';
import { resolveLocal } from './spec-server';

type Obj = Record<string, any>;

export interface IdentityIssue {
  language: SdkLanguage;
  operation: string;
  expected: string;
  found: string;
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The `$ref` the description gives as the success response of an operation (and whether it is an array of it). */
function namedResult(doc: Obj, path: string, method: string, status: string, contentType: string | undefined): { ref: string; array: boolean } | undefined {
  const op = resolveLocal(doc, doc['paths']?.[path])[method.toLowerCase()];
  if (!isObj(op)) return undefined;
  const r = resolveLocal(doc, op['responses']?.[status]);
  const schema = contentType && isObj(r['content']) ? r['content'][contentType]?.['schema'] : r['schema'];
  if (!isObj(schema)) return undefined;
  if (typeof schema['$ref'] === 'string') return { ref: schema['$ref'], array: false };
  if (schema['type'] === 'array' && isObj(schema['items']) && typeof schema['items']['$ref'] === 'string') return { ref: schema['items']['$ref'], array: true };
  return undefined;
}

export function checkTypeIdentity(
  doc: Obj,
  model: ApiModel,
  files: GeneratedFile[],
  surfaces: Partial<Record<SdkLanguage, ClientSurface>>,
): { checked: number; issues: IdentityIssue[] } {
  const issues: IdentityIssue[] = [];
  let checked = 0;
  const text = (suffix: string) => files.find((f) => f.path.endsWith(suffix))?.content ?? '';
  const tsClient = text('typescript/src/client.ts');
  const tsModels = text('typescript/src/models.ts');
  const pyClient = files.find((f) => f.language === 'python' && f.path.endsWith('/client.py'))?.content ?? '';
  const pyModels = files.find((f) => f.language === 'python' && f.path.endsWith('/models.py'))?.content ?? '';
  const rsClient = text('rust/src/client.rs');
  const rsModels = text('rust/src/models.rs');
  const rsBound = rustModuleNames(rsClient);
  for (const op of model.operations) {
    if (!op.success?.type) continue;
    const named = namedResult(doc, op.path, op.method, op.success.status, op.success.contentType);
    if (!named) continue;
    const m = model.models.find((x) => x.ref === named.ref);
    if (!m) {
      issues.push({ language: 'typescript', operation: op.id, expected: `a model for ${named.ref}`, found: 'none' });
      continue;
    }
    checked++;
    for (const [lang, surface] of Object.entries(surfaces) as [SdkLanguage, ClientSurface][]) {
      const name = surface.typeNames.get(m.name)!;
      const method = surface.operations.get(op.id)!.method;
      let expected: string;
      let found: string | undefined;
      let declared: boolean;
      let shadowed = false;
      if (lang === 'typescript') {
        expected = named.array ? `M.${name}[]` : `M.${name}`;
        found = new RegExp(`^  async ${esc(method)}\\(.*\\): Promise<(.+)> \\{$`, 'm').exec(tsClient)?.[1];
        declared = new RegExp(`^export (interface|type) ${esc(name)}\\b`, 'm').test(tsModels);
      } else if (lang === 'python') {
        expected = named.array ? `list[_m.${name}]` : `_m.${name}`;
        found = new RegExp(`^    def ${esc(method)}\\(.*\\) -> (.+):$`, 'm').exec(pyClient)?.[1];
        declared = new RegExp(`^${esc(name)}(: _t\\.TypeAlias)? = `, 'm').test(pyModels);
      } else {
        expected = named.array ? `Vec<${name}>` : name;
        found = new RegExp(`^    pub fn ${esc(method)}\\(.*\\) -> Result<(.+), Error> \\{$`, 'm').exec(rsClient)?.[1];
        declared = new RegExp(`^pub (struct|enum|type) ${esc(name)}\\b`, 'm').test(rsModels);
        // In client.rs a name that the module imports or defines wins over the glob import of the models.
        shadowed = rsBound.has(name);
      }
      if (found !== expected || !declared || shadowed) {
        issues.push({ language: lang, operation: op.id, expected: `${expected} (model for ${named.ref})`, found: `${found ?? 'no method'}${shadowed ? ` (client.rs binds ${name} itself)` : ''}${declared ? '' : ' (not declared in the models)'}` });
      }
    }
  }
  return { checked, issues };
}
