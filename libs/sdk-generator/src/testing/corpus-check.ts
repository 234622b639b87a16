/**
 * Generates SDKs for corpus entries and compiles them with each language's real toolchain, one
 * compiler invocation per language. Shared by the CI subset (int-spec) and `npm run test:sdk-corpus`.
 */
import { join } from 'node:path';
import type { SdkLanguage } from '../lib/emitters/emitter';
import { generateSdks } from '../lib/generate-sdks';
import type { CorpusEntry } from './corpus';
import { checkPython, checkRust, checkTypeScript, type CheckResult, writeSdk } from './sdk-toolchain';

export interface LanguageReport {
  generated: number;
  compiled: number;
  /** entry id -> compiler output */
  failures: Record<string, string>;
  unavailable?: string;
}

export interface CorpusReport {
  specs: number;
  /** entry id -> generation error (invalid documents are expected to end here with a clear message). */
  rejected: Record<string, string>;
  languages: Partial<Record<SdkLanguage, LanguageReport>>;
}

/** Package names must differ per entry: one mypy run and one cargo workspace hold them all. */
const pythonModule = (id: string) => id.replace(/-/g, '_');

export async function checkCorpus(entries: CorpusEntry[], languages: SdkLanguage[], workDir: string): Promise<CorpusReport> {
  const rejected: Record<string, string> = {};
  const dirs = new Map<string, string>();
  for (const e of entries) {
    try {
      const { files } = await generateSdks({ source: e.source, filename: e.filename, imports: e.imports, languages, packageName: e.id });
      const dir = join(workDir, e.id);
      writeSdk(dir, files);
      dirs.set(dir, e.id);
    } catch (err) {
      rejected[e.id] = (err as Error).message;
    }
  }
  const sdkDirs = [...dirs.keys()];
  const report = (r: CheckResult): LanguageReport => ({
    generated: sdkDirs.length,
    compiled: r.unavailable ? 0 : sdkDirs.filter((d) => !r.failures.has(d)).length - (r.failures.has(workDir) ? sdkDirs.length : 0),
    failures: Object.fromEntries([...r.failures].map(([d, out]) => [dirs.get(d) ?? 'all', out])),
    ...(r.unavailable ? { unavailable: r.unavailable } : {}),
  });
  const out: CorpusReport = { specs: entries.length, rejected, languages: {} };
  if (sdkDirs.length === 0) return out;
  if (languages.includes('typescript')) out.languages.typescript = report(checkTypeScript(workDir, sdkDirs));
  if (languages.includes('python')) out.languages.python = report(checkPython(workDir, sdkDirs, (d) => pythonModule(dirs.get(d)!)));
  if (languages.includes('rust')) out.languages.rust = report(checkRust(workDir, sdkDirs));
  return out;
}
