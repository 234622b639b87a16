import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CorpusEntry, openApiCorpus, protoCorpus } from '../testing/corpus';
import { checkCorpus, type CorpusReport } from '../testing/corpus-check';
import { checkPython, checkRust, checkTypeScript, writeSdk } from '../testing/sdk-toolchain';
import { generateSdks } from './generate-sdks';

/**
 * CI subset of the corpus (the full run is `npm run test:sdk-corpus`): one document per feature family
 * of @readme/oas-examples plus every .proto fixture, generated in all three languages and compiled with
 * tsc --strict, py_compile + mypy --strict and cargo check (offline, Debian's crates).
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

describe('generated SDKs compile (representative subset)', () => {
  let work: string;
  let entries: CorpusEntry[];
  let report: CorpusReport;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mockops-sdk-compile-'));
    const corpus = openApiCorpus();
    entries = [...SUBSET.map((id) => corpus.find((e) => e.id === id)!), ...protoCorpus()];
    report = await checkCorpus(entries, ['typescript', 'python', 'rust'], work);
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('covers the subset and at least three .proto files', () => {
    expect(entries.every(Boolean)).toBe(true);
    expect(entries.filter((e) => e.id.startsWith('proto-')).length).toBeGreaterThanOrEqual(3);
    expect(report.rejected).toEqual({});
  });

  it.each(['typescript', 'python', 'rust'] as const)('%s output compiles', (lang) => {
    const r = report.languages[lang]!;
    expect(r.unavailable).toBeUndefined();
    expect(r.failures).toEqual({});
    expect(r.compiled).toBe(entries.length);
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
