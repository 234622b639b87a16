/**
 * Test support (not exported from the lib): writes generated SDKs to disk and runs each language's real
 * compiler over many SDKs at once (one tsc, one mypy, one cargo workspace), mapping failures back to
 * the SDK that caused them. Used by the int-specs and by tools/sdk-corpus.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { GeneratedFile } from '../lib/emitters/emitter';

export interface CheckResult {
  /** SDK directory -> compiler output for the SDKs that failed. */
  failures: Map<string, string>;
  /** SDK directory -> compiler output about the test program written next to the SDK (not the SDK itself). */
  programFailures: Map<string, string>;
  /** Full compiler output (for diagnostics). */
  output: string;
  /** The tool itself is not installed. */
  unavailable?: string;
}

const REPO_ROOT = resolve(__dirname, '../../../..');
export const PYTHON = process.env['MOCKOPS_SDK_PYTHON'] ?? '/usr/bin/python3';
export const CARGO = process.env['MOCKOPS_SDK_CARGO'] ?? 'cargo';
/** Debian's packaged crates (librust-*-dev) live here; cargo checks use it instead of a registry. */
export const DEBIAN_CRATES = '/usr/share/cargo/registry';
/** Shared across runs so dependencies (serde, ureq, ...) compile once per machine. */
export const CARGO_TARGET = process.env['MOCKOPS_SDK_CARGO_TARGET'] ?? join(tmpdir(), 'mockops-sdk-cargo-target');

export function writeSdk(dir: string, files: GeneratedFile[]): void {
  for (const f of files) {
    const p = join(dir, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.content);
  }
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { status: number | null; output: string; missing: boolean } {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}`, missing };
}

/** Test programs live next to the SDK they use, under these names. */
export const isProgramFile = (abs: string): boolean => /\/consumer\/|\/consumer_[^/]*\.py$/.test(abs);

function attribute(cwd: string, output: string, sdkDirs: string[], pick: (line: string) => string | undefined): { failures: Map<string, string>; programFailures: Map<string, string> } {
  const failures = new Map<string, string>();
  const programFailures = new Map<string, string>();
  for (const line of output.split('\n')) {
    const file = pick(line);
    if (!file) continue;
    const abs = resolve(cwd, file);
    const dir = sdkDirs.find((d) => abs.startsWith(resolve(d) + '/'));
    const into = isProgramFile(abs) ? programFailures : failures;
    if (dir) into.set(dir, (into.get(dir) ?? '') + line + '\n');
  }
  return { failures, programFailures };
}

/**
 * `tsc --strict` over the `typescript/` folder of every SDK dir (and the test programs in `programs`), in
 * one invocation; with `outDir` the JavaScript is emitted there (paths relative to `workDir`).
 */
export function checkTypeScript(workDir: string, sdkDirs: string[], opts: { programs?: string[]; outDir?: string } = {}): CheckResult {
  const tsconfig = join(workDir, 'tsconfig.check.json');
  const emit = opts.outDir ? { outDir: opts.outDir, rootDir: resolve(workDir) } : { noEmit: true };
  writeFileSync(
    tsconfig,
    JSON.stringify({
      compilerOptions: { strict: true, ...emit, target: 'ES2022', module: 'commonjs', lib: ['ES2022', 'DOM'], skipLibCheck: true, types: [] },
      include: [...sdkDirs.map((d) => join(resolve(d), 'typescript/src/**/*.ts')), ...(opts.programs ?? []).map((p) => resolve(p))],
    }),
  );
  const r = run(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', tsconfig, '--pretty', 'false'], workDir);
  const { failures, programFailures } = attribute(workDir, r.output, sdkDirs, (l) => /^(.+?\.ts)\(\d+,\d+\): error/.exec(l)?.[1]);
  if (r.status !== 0 && failures.size === 0 && programFailures.size === 0) failures.set(workDir, r.output);
  return { failures, programFailures, output: r.output };
}

/** `py_compile` then `mypy --strict` over every SDK's Python package, one invocation each. */
export function checkPython(workDir: string, sdkDirs: string[], packageOf: (sdkDir: string) => string, programs: string[] = []): CheckResult {
  const pkgs = [...sdkDirs.map((d) => join(resolve(d), 'python', packageOf(d))), ...programs.map((p) => resolve(p))];
  const compile = run(PYTHON, ['-c', 'import sys, py_compile, glob\nfor p in sys.argv[1:]:\n    for f in sorted(glob.glob(p + "/*.py") if not p.endswith(".py") else [p]):\n        try:\n            py_compile.compile(f, doraise=True)\n        except py_compile.PyCompileError as e:\n            print(f + ": error: " + str(e).replace("\\n", " "))\n', ...pkgs], workDir);
  if (compile.missing) return { failures: new Map(), programFailures: new Map(), output: '', unavailable: `${PYTHON} not found` };
  const mypyVersion = run(PYTHON, ['-m', 'mypy', '--version'], workDir);
  if (mypyVersion.status !== 0) return { failures: new Map(), programFailures: new Map(), output: mypyVersion.output, unavailable: 'mypy not installed (apt-get install -y python3-mypy)' };
  const mypy = run(PYTHON, ['-m', 'mypy', '--strict', '--no-incremental', '--cache-dir', '/dev/null', '--no-error-summary', ...pkgs], workDir);
  const output = compile.output + mypy.output;
  const { failures, programFailures } = attribute(workDir, output, sdkDirs, (l) => /^(.+?\.py)(?::\d+)*: error/.exec(l)?.[1]);
  if (mypy.status !== 0 && failures.size === 0 && programFailures.size === 0) failures.set(workDir, output);
  return { failures, programFailures, output };
}

/** `cargo check --offline` of all Rust crates as one workspace, against Debian's packaged crates. */
export function checkRust(workDir: string, sdkDirs: string[]): CheckResult {
  if (!existsSync(DEBIAN_CRATES)) return { failures: new Map(), programFailures: new Map(), output: '', unavailable: `${DEBIAN_CRATES} missing (apt-get install -y librust-serde-dev librust-serde-json-dev librust-ureq-dev)` };
  const members = sdkDirs.map((d) => join(resolve(d), 'rust'));
  writeCargoWorkspace(workDir, members);
  mkdirSync(join(workDir, '.cargo'), { recursive: true });
  writeFileSync(
    join(workDir, '.cargo/config.toml'),
    `[source.crates-io]\nreplace-with = "debian"\n\n[source.debian]\ndirectory = "${DEBIAN_CRATES}"\n\n[net]\noffline = true\n`,
  );
  const version = run(CARGO, ['--version'], workDir);
  if (version.missing) return { failures: new Map(), programFailures: new Map(), output: '', unavailable: 'cargo not found (apt-get install -y cargo)' };
  // `--keep-going` (report every broken crate, not just the first) exists from cargo 1.74; Debian 12 has 1.65.
  const minor = Number(/cargo 1\.(\d+)/.exec(version.output)?.[1] ?? 0);
  const keepGoing = minor >= 74 ? ['--keep-going'] : [];
  const r = cargo(['check', '--offline', '--workspace', ...keepGoing], workDir);
  const { failures, programFailures } = attribute(workDir, r.output, sdkDirs, (l) => /^(.+?\.rs):\d+:\d+: error/.exec(l)?.[1]);
  if (r.status !== 0 && failures.size === 0) failures.set(workDir, r.output);
  return { failures, programFailures, output: r.output };
}

/**
 * Runs cargo in the shared target dir and removes what it built for this run's own crates afterwards:
 * their paths differ per run, so those artifacts are never reused, and left there they grow the cache
 * by gigabytes a run. Dependencies (serde, ureq, rustls, ...) stay warm. Incremental compilation is off
 * for the same reason. Returns the short-form diagnostics (`file:line:col: error...`) as output.
 */
function cargo(args: string[], workDir: string, copyExecutableTo?: string): { status: number | null; output: string } {
  const r = run(CARGO, [...args, '--message-format', 'json-diagnostic-short', '--quiet'], workDir, { CARGO_TARGET_DIR: CARGO_TARGET, CARGO_INCREMENTAL: '0' });
  const lines: string[] = [];
  const ours = `path+file://${resolve(workDir)}`;
  for (const line of r.output.split('\n')) {
    if (!line.startsWith('{')) {
      if (line.trim()) lines.push(line);
      continue;
    }
    let msg: { reason?: string; package_id?: string; filenames?: string[]; executable?: string | null; message?: { rendered?: string } };
    try {
      msg = JSON.parse(line);
    } catch {
      lines.push(line);
      continue;
    }
    if (msg.reason === 'compiler-message' && msg.message?.rendered) lines.push(msg.message.rendered.trimEnd());
    if (msg.reason === 'compiler-artifact' && msg.package_id?.startsWith(ours)) {
      if (msg.executable && copyExecutableTo) {
        copyFileSync(msg.executable, copyExecutableTo);
        chmodSync(copyExecutableTo, 0o755);
      }
      for (const f of [...(msg.filenames ?? []), ...(msg.executable ? [msg.executable] : [])]) {
        rmSync(f, { force: true });
        // Dep-info next to a library (`deps/<name>-<hash>.d`) and to an uplifted binary (`<name>.d`).
        const lib = /^(.*\/)lib([^/]+-[0-9a-f]+)\.(rlib|rmeta|so)$/.exec(f);
        rmSync(lib ? `${lib[1]}${lib[2]}.d` : `${f}.d`, { force: true });
      }
    }
  }
  return { status: r.status, output: lines.join('\n') };
}

/**
 * Builds the test-program runner crate (`runnerDir`, depending on the SDK crates by path) with
 * `cargo build --offline` against Debian's crates, in the shared target dir, and copies the binary to
 * `binary`. Returns the compiler output and the runner source files that failed (`src/e_<entry>.rs`).
 */
export function buildRustRunner(workDir: string, packageName: string, binary: string): { ok: boolean; output: string; failedFiles: Set<string> } {
  const r = cargo(['build', '--offline', '-p', packageName], workDir, binary);
  // The binary's original in deps/ (`<name>-<hash>`, uplifted by a hard link): the name is this run's own.
  const deps = join(CARGO_TARGET, 'debug', 'deps');
  const own = `${packageName.replace(/-/g, '_')}-`;
  if (existsSync(deps)) for (const f of readdirSync(deps)) if (f.startsWith(own)) rmSync(join(deps, f), { force: true });
  const failedFiles = new Set<string>();
  for (const line of r.output.split('\n')) {
    const file = /^(.+?\.rs):\d+:\d+: error/.exec(line)?.[1];
    if (file) failedFiles.add(resolve(workDir, file));
  }
  return { ok: r.status === 0 && existsSync(binary), output: r.output, failedFiles };
}

/** Writes the cargo workspace file of `workDir` (SDK crates plus any extra member such as the runner). */
export function writeCargoWorkspace(workDir: string, members: string[]): void {
  writeFileSync(join(workDir, 'Cargo.toml'), `[workspace]\nresolver = "2"\nmembers = [\n${members.map((m) => `  ${JSON.stringify(m)},`).join('\n')}\n]\n`);
}
