// Full-corpus check of @mockops/sdk-generator: every document in @readme/oas-examples, the repo's OpenAPI
// fixtures and the .proto fixtures, generated in TypeScript, Python and Rust, compiled (tsc --strict;
// py_compile + mypy --strict; cargo offline against Debian's crates) and run: per description a generated
// program per language calls a handful of operations against a server built from the same description
// that validates every request (Protobuf: message round trips through the wire format and Connect calls).
// Prints per language: compiled / ran / server validation errors, plus the type-identity check. Exits 1 on
// any compile failure, run failure, validation error or identity issue.
// Usage: npm run test:sdk-corpus [-- --languages typescript,python] [--no-run] [--keep] [--verbose]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SdkLanguage } from '../../libs/sdk-generator/src';
import { fixtureCorpus, openApiCorpus, protoCorpus } from '../../libs/sdk-generator/src/testing/corpus';
import { checkCorpus } from '../../libs/sdk-generator/src/testing/corpus-check';

const indent = (text: string, n = 4) => text.split('\n').slice(0, 20).map((l) => ' '.repeat(n) + l).join('\n');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const langArg = args[args.indexOf('--languages') + 1];
  const languages = (args.includes('--languages') && langArg ? langArg.split(',') : ['typescript', 'python', 'rust']) as SdkLanguage[];
  const keep = args.includes('--keep');
  const verbose = args.includes('--verbose');
  const run = !args.includes('--no-run');
  const entries = [...openApiCorpus(), ...fixtureCorpus(), ...protoCorpus()];
  const work = mkdtempSync(join(tmpdir(), 'mockops-sdk-corpus-'));
  const started = Date.now();
  const report = await checkCorpus(entries, languages, work, { run });
  const openapi = entries.filter((e) => e.id.startsWith('oas-')).length;
  const fixtures = entries.filter((e) => e.id.startsWith('fixture-')).length;
  console.log(`corpus: ${report.specs} specs (${openapi} OpenAPI/Swagger documents from @readme/oas-examples, ${fixtures} OpenAPI fixtures, ${report.specs - openapi - fixtures} .proto fixtures)`);
  const rejected = Object.entries(report.rejected);
  console.log(`rejected as invalid: ${rejected.length}`);
  for (const [id, msg] of rejected) console.log(`  ${id}: ${msg.split('\n').join(' | ')}`);
  let failed = false;
  console.log('');
  console.log(`${'LANGUAGE'.padEnd(12)}${'GENERATED'.padStart(10)}${'COMPILED'.padStart(10)}${'RUNNABLE'.padStart(10)}${'RAN'.padStart(6)}${'CALLS'.padStart(7)}${'SERVER VALIDATION ERRORS'.padStart(26)}${'SERVER FAULTS'.padStart(15)}`);
  for (const lang of languages) {
    const r = report.languages[lang];
    if (!r) continue;
    if (r.unavailable) {
      failed = true;
      console.log(`${lang.padEnd(12)}toolchain unavailable: ${r.unavailable}`);
      continue;
    }
    console.log(`${lang.padEnd(12)}${String(r.generated).padStart(10)}${String(r.compiled).padStart(10)}${String(run ? r.runnable : '-').padStart(10)}${String(run ? r.ran : '-').padStart(6)}${String(run ? r.calls : '-').padStart(7)}${String(run ? r.validationErrors : '-').padStart(26)}${String(run ? r.responseErrors : '-').padStart(15)}`);
  }
  for (const lang of languages) {
    const r = report.languages[lang];
    if (!r || r.unavailable) continue;
    for (const [id, out] of Object.entries(r.failures)) {
      failed = true;
      console.log(`\n${lang} compile failure ${id}:\n${indent(out)}`);
    }
    for (const [id, out] of Object.entries(r.runFailures)) {
      failed = true;
      console.log(`\n${lang} run failure ${id}:\n${indent(out)}`);
    }
    if (verbose) for (const [id, out] of Object.entries(r.serverFaults)) console.log(`\n${lang} test-server fault (not counted against the client) ${id}:\n${indent(out)}`);
  }
  const issues = Object.entries(report.identity.issues);
  console.log(`\ntype identity: ${report.identity.checked} operations return a named model; ${issues.reduce((n, [, l]) => n + l.length, 0)} mismatches`);
  for (const [id, list] of issues) {
    failed = true;
    for (const i of list) console.log(`  ${id} ${i.language} ${i.operation}: expected ${i.expected}, found ${i.found}`);
  }
  if (run) {
    console.log('operations not called, by reason (the generated code for them is compiled all the same):');
    for (const [reason, n] of Object.entries(report.skipped).sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(4)}  ${reason}`);
  }
  console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s${keep ? `; output kept in ${work}` : ''}`);
  if (!keep) rmSync(work, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
