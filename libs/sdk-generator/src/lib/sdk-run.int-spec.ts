import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CorpusEntry, fixtureCorpus, openApiCorpus, protoCorpus } from '../testing/corpus';
import { checkCorpus, type CorpusReport } from '../testing/corpus-check';
import { checkPython, checkRust, checkTypeScript, writeSdk } from '../testing/sdk-toolchain';
import { generateSdks } from './generate-sdks';

/**
 * CI subset of the corpus (the full run is `npm run test:sdk-corpus`): one document per feature family
 * of @readme/oas-examples, the repo's hostile-names fixture and every .proto fixture, generated in all
 * three languages, compiled (tsc --strict, py_compile + mypy --strict, cargo --offline against Debian's
 * crates) and run: a generated program per language calls a handful of operations against a server built
 * from the same description that validates every request (OpenAPI), or round-trips every message
 * through the wire format and calls every unary rpc against a Connect server (Protobuf).
 */
const SUBSET = [
  'oas-2-0-json-petstore-json',
  'oas-2-0-yaml-schema-circular-yaml',
  'oas-2-0-json-petstore-expanded-json',
  'oas-3-0-json-circular-json',
  'oas-3-0-json-complex-nesting-json',
  'oas-3-0-json-discriminators-json',
  'oas-3-0-json-file-uploads-json',
  'oas-3-0-yaml-parameters-style-yaml',
  'oas-3-0-json-petstore-json',
  'oas-3-0-json-polymorphism-json',
  'oas-3-0-json-schema-additional-properties-json',
  'oas-3-0-json-schema-types-json',
  'oas-3-0-json-security-multiple-json',
  'oas-3-1-json-schema-types-json',
  'oas-3-1-yaml-train-travel-yaml',
  'oas-3-1-json-webhooks-json',
];

describe('generated SDKs compile and run (representative subset)', () => {
  let work: string;
  let entries: CorpusEntry[];
  let report: CorpusReport;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mockops-sdk-compile-'));
    const corpus = openApiCorpus();
    entries = [...SUBSET.map((id) => corpus.find((e) => e.id === id)!), ...fixtureCorpus(), ...protoCorpus()];
    report = await checkCorpus(entries, ['typescript', 'python', 'rust'], work, { run: true });
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('covers the subset, the fixtures and at least three .proto files', () => {
    expect(entries.every(Boolean)).toBe(true);
    expect(entries.filter((e) => e.id.startsWith('proto-')).length).toBeGreaterThanOrEqual(3);
    expect(entries.some((e) => e.id === 'fixture-hostile-names')).toBe(true);
    expect(report.rejected).toEqual({});
  });

  it.each(['typescript', 'python', 'rust'] as const)('%s output compiles', (lang) => {
    const r = report.languages[lang]!;
    expect(r.unavailable).toBeUndefined();
    expect(r.failures).toEqual({});
    expect(r.compiled).toBe(entries.length);
  });

  it.each(['typescript', 'python', 'rust'] as const)('%s programs run: every call validated by the server and answered as the server answered', (lang) => {
    const r = report.languages[lang]!;
    expect(r.runFailures).toEqual({});
    expect(r.validationErrors).toBe(0);
    // Every entry has a program: 13 descriptions with callable operations, the fixture, three .proto files.
    expect(r.runnable).toBeGreaterThanOrEqual(entries.length - 3);
    expect(r.ran).toBe(r.runnable);
    expect(r.calls).toBeGreaterThanOrEqual(80);
  });

  it('every operation returns the model its description names, in every language', () => {
    expect(report.identity.issues).toEqual({});
    expect(report.identity.checked).toBeGreaterThan(20);
  });

  it('the checks catch a broken SDK and name it', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'mockops-sdk-broken-'));
    try {
      const { files } = await generateSdks({ source: protoCorpus()[0].source, filename: protoCorpus()[0].filename, imports: protoCorpus()[0].imports, languages: ['typescript', 'python', 'rust'], packageName: 'broken-sdk' });
      const sdk = join(broken, 'broken-sdk');
      writeSdk(sdk, files);
      appendFileSync(join(sdk, 'typescript/src/models.ts'), 'export const oops: number = "text";\n');
      appendFileSync(join(sdk, 'python/broken_sdk/models.py'), 'oops: int = "text"\n');
      appendFileSync(join(sdk, 'rust/src/models.rs'), 'pub const OOPS: i64 = "text";\n');
      expect(checkTypeScript(broken, [sdk]).failures.get(sdk)).toMatch(/models\.ts\(\d+,\d+\): error TS2322/);
      expect(checkPython(broken, [sdk], () => 'broken_sdk').failures.get(sdk)).toMatch(/models\.py:\d+: error: Incompatible types/);
      expect(checkRust(broken, [sdk]).failures.get(sdk)).toMatch(/models\.rs:\d+:\d+: error/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  }, 300_000);
});
