// Full-corpus check of @mockops/sdk-generator: every document in @readme/oas-examples plus the .proto
// fixtures, generated in TypeScript, Python and Rust and compiled (tsc --strict; py_compile + mypy
// --strict; cargo check offline against Debian's crates). Prints per-language counts; exits 1 on any
// compile failure. Usage: npm run test:sdk-corpus [-- --languages typescript,python] [--keep]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SdkLanguage } from '../../libs/sdk-generator/src';
import { openApiCorpus, protoCorpus } from '../../libs/sdk-generator/src/testing/corpus';
import { checkCorpus } from '../../libs/sdk-generator/src/testing/corpus-check';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const langArg = args[args.indexOf('--languages') + 1];
  const languages = (args.includes('--languages') && langArg ? langArg.split(',') : ['typescript', 'python', 'rust']) as SdkLanguage[];
  const keep = args.includes('--keep');
  const entries = [...openApiCorpus(), ...protoCorpus()];
  const work = mkdtempSync(join(tmpdir(), 'mockops-sdk-corpus-'));
  const started = Date.now();
  const report = await checkCorpus(entries, languages, work);
  const openapi = entries.filter((e) => e.id.startsWith('oas-')).length;
  console.log(`corpus: ${report.specs} specs (${openapi} OpenAPI/Swagger documents from @readme/oas-examples, ${report.specs - openapi} .proto fixtures)`);
  const rejected = Object.entries(report.rejected);
  console.log(`rejected as invalid: ${rejected.length}`);
  for (const [id, msg] of rejected) console.log(`  ${id}: ${msg.split('\n').join(' | ')}`);
  let failed = false;
  for (const lang of languages) {
    const r = report.languages[lang];
    if (!r) continue;
    if (r.unavailable) {
      failed = true;
      console.log(`${lang}: toolchain unavailable: ${r.unavailable}`);
      continue;
    }
    console.log(`${lang}: generated ${r.generated}, compiled ${r.compiled}, failed ${Object.keys(r.failures).length}`);
    for (const [id, out] of Object.entries(r.failures)) {
      failed = true;
      console.log(`  ${id}:\n${out.split('\n').slice(0, 20).map((l) => '    ' + l).join('\n')}`);
    }
  }
  console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s${keep ? `; output kept in ${work}` : ''}`);
  if (!keep) rmSync(work, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
