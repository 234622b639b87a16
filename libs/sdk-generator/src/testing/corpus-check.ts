/**
 * Generates SDKs for corpus entries, compiles them with each language's real toolchain (one compiler
 * invocation per language), and — with `run` — runs a generated program per language against a server
 * built from the same description that validates every request (spec-server.ts), comparing each typed
 * result with what the server sent. Shared by the CI subset (int-specs) and `npm run test:sdk-corpus`.
 */
import { execFile } from 'node:child_process';
import { isDeepStrictEqual, promisify } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { ApiModel } from '../lib/api-model';
import type { ClientSurface, GeneratedFile, SdkLanguage } from '../lib/emitters/emitter';
import { clientSurface, emitSdks } from '../lib/generate-sdks';
import { loadApiModel, parseDocument } from '../lib/load-api-model';
import { type CallPlan, planCalls } from './call-plan';
import type * as protobuf from 'protobufjs';
import { pythonProgram, pythonProtoProgram, rustModule, rustModuleFile, rustProtoModule, rustRunner, typescriptProgram, typescriptProtoProgram } from './consumers';
import { planProto, type ProtoPlan, protoRoot, startProtoServer, wireRoundTrip } from './proto-check';
import type { CorpusEntry } from './corpus';
import { buildRustRunner, checkPython, checkRust, checkTypeScript, type CheckResult, PYTHON, writeCargoWorkspace, writeSdk } from './sdk-toolchain';
import { prepareDescription, startSpecServer, type ValidationFailure } from './spec-server';
import { checkTypeIdentity, type IdentityIssue } from './type-identity';

const execFileAsync = promisify(execFile);

export interface LanguageReport {
  generated: number;
  compiled: number;
  /** entry id -> compiler output */
  failures: Record<string, string>;
  unavailable?: string;
  /** Entries with a program to run (OpenAPI: planned calls; Protobuf: message round trips and rpcs). */
  runnable: number;
  /** Entries whose program compiled, ran, got back what the server sent, and drew no validation error. */
  ran: number;
  /** Calls made (HTTP operations and rpcs) and message round trips checked. */
  calls: number;
  /** Requests the server rejected as not matching the description (the client's fault). */
  validationErrors: number;
  /** Responses the test server could not make valid, or descriptions its validator could not handle (the test server's fault). */
  responseErrors: number;
  /** entry id -> the test server's own faults (not counted against the client) */
  serverFaults: Record<string, string>;
  /** entry id -> why its program did not run clean */
  runFailures: Record<string, string>;
}

export interface CorpusReport {
  specs: number;
  /** entry id -> generation error (invalid documents are expected to end here with a clear message). */
  rejected: Record<string, string>;
  languages: Partial<Record<SdkLanguage, LanguageReport>>;
  /** Operations whose response the description names, checked in every language. */
  identity: { checked: number; issues: Record<string, IdentityIssue[]> };
  /** OpenAPI operations left out of the programs, by reason. */
  skipped: Record<string, number>;
}

interface Prepared {
  entry: CorpusEntry;
  dir: string;
  model: ApiModel;
  files: GeneratedFile[];
  surfaces: Partial<Record<SdkLanguage, ClientSurface>>;
  /** OpenAPI only. */
  doc?: Record<string, unknown>;
  plan?: CallPlan;
  /** Protobuf only. */
  proto?: { plan: ProtoPlan; root: protobuf.Root };
}

/** Package names must differ per entry: one mypy run and one cargo workspace hold them all. */
const pythonModule = (p: Prepared) => p.surfaces.python?.module ?? p.entry.id.replace(/-/g, '_');

const emptyRun = () => ({ runnable: 0, ran: 0, calls: 0, validationErrors: 0, responseErrors: 0, runFailures: {} as Record<string, string>, serverFaults: {} as Record<string, string> });

/** Rust re-serializes typed values: an absent optional and a null are the same value there. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)]));
  return v;
}

export async function checkCorpus(entries: CorpusEntry[], languages: SdkLanguage[], workDir: string, opts: { run?: boolean } = {}): Promise<CorpusReport> {
  const rejected: Record<string, string> = {};
  const prepared: Prepared[] = [];
  const identity: CorpusReport['identity'] = { checked: 0, issues: {} };
  const skipped: Record<string, number> = {};
  for (const e of entries) {
    try {
      const model = await loadApiModel({ source: e.source, filename: e.filename, imports: e.imports });
      const { files } = emitSdks(model, languages, e.id);
      const dir = join(workDir, e.id);
      writeSdk(dir, files);
      const surfaces = Object.fromEntries(languages.map((l) => [l, clientSurface(model, l, e.id)])) as Prepared['surfaces'];
      const p: Prepared = { entry: e, dir, model, files, surfaces };
      if (model.source === 'openapi') {
        p.doc = parseDocument(e.source, e.filename) as Record<string, unknown>;
        const id = checkTypeIdentity(p.doc, model, files, surfaces);
        identity.checked += id.checked;
        if (id.issues.length) identity.issues[e.id] = id.issues;
        if (opts.run) {
          p.plan = planCalls(model, await prepareDescription(p.doc));
          for (const reason of Object.values(p.plan.skipped)) {
            // Group by kind: parameter names vary, the reason does not.
            const key = reason.replace(/parameter \S+/, 'parameter …');
            skipped[key] = (skipped[key] ?? 0) + 1;
          }
        }
      } else if (opts.run) {
        const root = protoRoot(e);
        p.proto = { plan: planProto(model, root), root };
        for (const reason of Object.values(p.proto.plan.skipped)) skipped[reason] = (skipped[reason] ?? 0) + 1;
      }
      prepared.push(p);
    } catch (err) {
      rejected[e.id] = (err as Error).message;
    }
  }
  const report: CorpusReport = { specs: entries.length, rejected, languages: {}, identity, skipped };
  if (prepared.length === 0) return report;

  // Programs, written next to each SDK.
  const withCalls = prepared.filter((p) => (p.plan && p.plan.calls.length > 0) || p.proto);
  const tsPrograms: string[] = [];
  const pyPrograms: string[] = [];
  for (const p of withCalls) {
    if (p.surfaces.typescript) {
      const file = join(p.dir, 'consumer/main.ts');
      mkdirSync(join(p.dir, 'consumer'), { recursive: true });
      writeFileSync(file, p.proto ? typescriptProtoProgram(p.surfaces.typescript, p.proto.plan, '../typescript/src') : typescriptProgram(p.model, p.surfaces.typescript, p.plan!, '../typescript/src'));
      tsPrograms.push(file);
    }
    if (p.surfaces.python) {
      const file = join(p.dir, 'python', `consumer_${pythonModule(p)}.py`);
      writeFileSync(file, p.proto ? pythonProtoProgram(p.surfaces.python, p.proto.plan) : pythonProgram(p.model, p.surfaces.python, p.plan!));
      pyPrograms.push(file);
    }
  }

  const dirs = prepared.map((p) => p.dir);
  const byDir = new Map(prepared.map((p) => [p.dir, p]));
  const compileReport = (r: CheckResult): LanguageReport => ({
    generated: dirs.length,
    compiled: r.unavailable ? 0 : r.failures.has(workDir) ? 0 : dirs.filter((d) => !r.failures.has(d)).length,
    failures: Object.fromEntries([...r.failures].map(([d, out]) => [byDir.get(d)?.entry.id ?? 'all', out])),
    ...(r.unavailable ? { unavailable: r.unavailable } : {}),
    ...emptyRun(),
  });
  const tsOut = join(workDir, 'ts-out');
  const results: Partial<Record<SdkLanguage, CheckResult>> = {};
  if (languages.includes('typescript')) results.typescript = checkTypeScript(workDir, dirs, { programs: tsPrograms, outDir: opts.run ? tsOut : undefined });
  if (languages.includes('python')) results.python = checkPython(workDir, dirs, (d) => pythonModule(byDir.get(d)!), pyPrograms);
  if (languages.includes('rust')) results.rust = checkRust(workDir, dirs);
  for (const [lang, r] of Object.entries(results) as [SdkLanguage, CheckResult][]) report.languages[lang] = compileReport(r);
  if (!opts.run) return report;

  // Rust: one runner binary holding every entry's program, built against the SDK crates that compiled.
  let rustBinary: string | undefined;
  const rustProgramFailures = new Map<string, string>();
  if (results.rust && !results.rust.unavailable) {
    const usable = withCalls.filter((p) => p.surfaces.rust && !results.rust!.failures.has(p.dir));
    const runnerName = `sdk-consumers-${process.pid}-${Date.now().toString(36)}`;
    const runnerDir = join(workDir, 'rust-runner');
    mkdirSync(join(runnerDir, 'src'), { recursive: true });
    for (const p of usable) {
      writeFileSync(join(runnerDir, 'src', rustModuleFile(p.entry.id)), p.proto ? rustProtoModule(p.surfaces.rust!, p.proto.plan) : rustModule(p.model, p.surfaces.rust!, p.plan!));
    }
    let members = usable;
    for (let attempt = 0; attempt < 3 && members.length; attempt++) {
      const runner = rustRunner(runnerName, members.map((p) => ({ id: p.entry.id, crateDir: join(p.dir, 'rust'), crate: p.surfaces.rust!.module })));
      writeFileSync(join(runnerDir, 'Cargo.toml'), runner.cargoToml);
      writeFileSync(join(runnerDir, 'src/main.rs'), runner.main);
      writeCargoWorkspace(workDir, [...dirs.map((d) => join(resolve(d), 'rust')), resolve(runnerDir)]);
      const built = buildRustRunner(workDir, runnerName, join(workDir, 'rust-consumers'));
      if (built.ok) {
        rustBinary = join(workDir, 'rust-consumers');
        break;
      }
      const broken = members.filter((p) => built.failedFiles.has(resolve(runnerDir, 'src', rustModuleFile(p.entry.id))));
      for (const p of broken) rustProgramFailures.set(p.dir, built.output.split('\n').filter((l) => l.includes(rustModuleFile(p.entry.id))).join('\n'));
      if (broken.length === 0) {
        for (const p of members) rustProgramFailures.set(p.dir, built.output);
        break;
      }
      members = members.filter((p) => !broken.includes(p));
    }
  }

  const programs: Record<SdkLanguage, (p: Prepared) => [string, string[]]> = {
    typescript: (p) => [process.execPath, [join(tsOut, relative(resolve(workDir), resolve(p.dir)), 'consumer/main.js')]],
    python: (p) => [PYTHON, [join(p.dir, 'python', `consumer_${pythonModule(p)}.py`)]],
    rust: (p) => [rustBinary!, [p.entry.id]],
  };
  for (const lang of languages) {
    const lr = report.languages[lang];
    const compiled = results[lang];
    if (!lr || !compiled || compiled.unavailable) continue;
    lr.runnable = withCalls.length;
    for (const p of withCalls) {
      const fail = (why: string) => {
        lr.runFailures[p.entry.id] = why;
      };
      if (compiled.failures.has(p.dir)) {
        fail('SDK does not compile');
        continue;
      }
      const programError = lang === 'rust' ? rustProgramFailures.get(p.dir) ?? (rustBinary ? undefined : 'runner not built') : compiled.programFailures.get(p.dir);
      if (programError) {
        fail(`program does not compile:\n${programError}`);
        continue;
      }
      if (p.proto) {
        await runProto(p, lang, programs[lang](p), lr);
        continue;
      }
      const server = await startSpecServer(p.doc!);
      try {
        const [cmd, args] = programs[lang](p);
        const { stdout } = await execFileAsync(cmd, [...args, server.baseUrl], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
        const out = JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as { value?: unknown; error?: string }[];
        lr.calls += out.length;
        const problems: string[] = [];
        const requestErrors = server.failures.filter((f) => f.phase !== 'response' && f.phase !== 'server');
        lr.validationErrors += requestErrors.length;
        lr.responseErrors += server.failures.length - requestErrors.length;
        problems.push(...requestErrors.map((f: ValidationFailure) => `server (${f.phase}): ${f.method} ${f.url} -> ${f.status} ${f.message}`));
        const faults = server.failures.filter((f) => !requestErrors.includes(f));
        if (faults.length) lr.serverFaults[p.entry.id] = faults.map((f) => `${f.method} ${f.url}: ${f.message}`).join('\n');
        if (out.length !== p.plan!.calls.length) problems.push(`program made ${out.length} of ${p.plan!.calls.length} calls`);
        if (server.exchanges.length !== p.plan!.calls.length) problems.push(`server saw ${server.exchanges.length} requests for ${p.plan!.calls.length} calls`);
        const faulted = new Set(faults.map((f) => f.index));
        out.forEach((o, i) => {
          const op = p.plan!.calls[i]?.op.id;
          // The test server answered with something invalid: what the client made of it proves nothing.
          if (faulted.has(i)) return;
          if (o.error !== undefined) problems.push(`${op}: ${o.error}`);
          else {
            const sent = server.exchanges[i]?.response ?? null;
            const same = lang === 'rust' ? isDeepStrictEqual(dropNulls(o.value), dropNulls(sent)) : isDeepStrictEqual(o.value, sent);
            if (!same) problems.push(`${op}: result ${JSON.stringify(o.value)?.slice(0, 300)} is not what the server sent ${JSON.stringify(sent)?.slice(0, 300)}`);
          }
        });
        if (problems.length) fail(problems.join('\n'));
        else lr.ran++;
      } catch (e) {
        fail(`program failed: ${(e as Error).message.slice(0, 2000)}`);
      } finally {
        await server.close();
      }
    }
  }
  return report;
}

/**
 * One Protobuf entry in one language: the program's encoding of every message must be the sample and
 * survive protobufjs' binary round trip; its decoding of protobufjs' output must equal its own value;
 * each unary rpc must pass the Connect server's checks and return what the server sent.
 */
async function runProto(p: Prepared, lang: SdkLanguage, [cmd, args]: [string, string[]], lr: LanguageReport): Promise<void> {
  const { plan, root } = p.proto!;
  const server = await startProtoServer(root);
  const problems: string[] = [];
  try {
    const { stdout } = await execFileAsync(cmd, [...args, server.baseUrl], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { encoded: Record<string, unknown>; decodedEqual: Record<string, boolean>; calls: { value?: unknown; error?: string }[] };
    const same = (a: unknown, b: unknown) => (lang === 'rust' ? isDeepStrictEqual(dropNulls(a), dropNulls(b)) : isDeepStrictEqual(a, b));
    for (const m of plan.messages) {
      lr.calls++;
      const encoded = out.encoded[m.model];
      if (!same(encoded, m.sample)) problems.push(`${m.model}: the generated code encodes ${JSON.stringify(encoded)}, expected ${JSON.stringify(m.sample)}`);
      else if (!isDeepStrictEqual(wireRoundTrip(root.lookupType(m.fullName), encoded), m.sample)) problems.push(`${m.model}: protobufjs does not read back what the generated code encodes`);
      if (out.decodedEqual[m.model] !== true) problems.push(`${m.model}: the generated code decodes protobufjs' output to a different value`);
    }
    lr.calls += out.calls.length;
    lr.validationErrors += server.failures.length;
    problems.push(...server.failures.map((f) => `server: ${f}`));
    if (out.calls.length !== plan.rpcs.length || server.exchanges.length !== plan.rpcs.length) problems.push(`${out.calls.length} calls made, ${server.exchanges.length} seen, ${plan.rpcs.length} planned`);
    out.calls.forEach((c, i) => {
      if (c.error !== undefined) problems.push(`${plan.rpcs[i].path}: ${c.error}`);
      else if (!same(c.value, server.exchanges[i]?.response)) problems.push(`${plan.rpcs[i].path}: result ${JSON.stringify(c.value)} is not what the server sent`);
    });
  } catch (e) {
    problems.push(`program failed: ${(e as Error).message.slice(0, 2000)}`);
  } finally {
    await server.close();
  }
  if (problems.length) lr.runFailures[p.entry.id] = problems.join('\n');
  else lr.ran++;
}
