/**
 * The real-world corpus the generator is tested against: every OpenAPI 3.0/3.1 and Swagger 2.0 document
 * in @readme/oas-examples (JSON and YAML), plus the repo's own .proto fixtures.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export interface CorpusEntry {
  /** Stable id, usable as a package name (`oas-3-0-json-petstore`). */
  id: string;
  filename: string;
  source: string;
  imports?: Record<string, string>;
}

const REPO_ROOT = resolve(__dirname, '../../../..');
export const OAS_EXAMPLES = join(REPO_ROOT, 'node_modules/@readme/oas-examples');
export const PROTO_FIXTURES = join(__dirname, '../fixtures/proto');
export const OPENAPI_FIXTURES = join(__dirname, '../fixtures/openapi');

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

function walk(dir: string, out: string[]): string[] {
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

export function openApiCorpus(): CorpusEntry[] {
  return ['2.0', '3.0', '3.1'].flatMap((v) =>
    walk(join(OAS_EXAMPLES, v), [])
      .filter((p) => /\.(json|ya?ml)$/.test(p))
      .map((p) => {
        const rel = relative(OAS_EXAMPLES, p);
        return { id: `oas-${slug(rel.replace(/\.(json|ya?ml)$/, '-$1'))}`, filename: rel, source: readFileSync(p, 'utf8') };
      }),
  );
}

/** The repo's own OpenAPI fixtures (names and texts that once broke the SDKs). */
export function fixtureCorpus(): CorpusEntry[] {
  return walk(OPENAPI_FIXTURES, [])
    .filter((p) => /\.(json|ya?ml)$/.test(p))
    .map((p) => {
      const rel = relative(OPENAPI_FIXTURES, p);
      return { id: `fixture-${slug(rel.replace(/\.(json|ya?ml)$/, ''))}`, filename: rel, source: readFileSync(p, 'utf8') };
    });
}

/** Each top-level fixture that declares a service is an entry; every fixture is available as an import. */
export function protoCorpus(): CorpusEntry[] {
  const files = walk(PROTO_FIXTURES, []).filter((p) => p.endsWith('.proto'));
  const imports = Object.fromEntries(files.map((p) => [relative(PROTO_FIXTURES, p), readFileSync(p, 'utf8')]));
  return Object.entries(imports)
    .filter(([rel, src]) => !rel.includes('/') && /\bservice\s+\w+/.test(src))
    .map(([rel, src]) => ({ id: `proto-${slug(rel.replace(/\.proto$/, ''))}`, filename: rel, source: src, imports }));
}
