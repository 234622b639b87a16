// Runs the benchmark suites (tools/bench/suites/*.bench.ts), prints their tables and writes JSON.
// Usage: npm run bench [-- suite-name ...] [--quick]
// --quick asks suites that support it for a shorter run. bench-results/latest.json keeps the last
// results of suites that did not run this time.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';

export interface BenchTable {
  title: string;
  rows: Record<string, string | number>[];
  notes?: string[];
}

function printTable(table: BenchTable): void {
  console.log(`\n## ${table.title}`);
  if (table.rows.length === 0) return;
  const cols = Object.keys(table.rows[0]);
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...table.rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => '| ' + vals.map((v, i) => v.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(cols));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of table.rows) console.log(line(cols.map((c) => cell(r[c]))));
  for (const n of table.notes ?? []) console.log(`  ${n}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.filter((a) => !a.startsWith('--'));
  const quick = args.includes('--quick');
  const dir = join(__dirname, 'suites');
  const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') || f.endsWith('.bench.js')).sort();
  const results: Record<string, BenchTable[]> = {};
  for (const file of files) {
    const mod = await import(join(dir, file));
    if (only.length && !only.includes(mod.name)) continue;
    console.log(`\n# ${mod.name}`);
    const tables: BenchTable[] = await mod.run({ quick });
    tables.forEach(printTable);
    results[mod.name] = tables;
  }
  mkdirSync('bench-results', { recursive: true });
  const at = new Date().toISOString();
  const previous = readPrevious();
  const suiteAt = { ...previous.suiteAt };
  for (const name of Object.keys(results)) suiteAt[name] = quick ? `${at} (quick)` : at;
  const out = {
    at,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, memGiB: Math.round(os.totalmem() / 2 ** 30) },
    suiteAt,
    results: { ...previous.results, ...results },
  };
  writeFileSync('bench-results/latest.json', JSON.stringify(out, null, 2));
  console.log('\nwritten: bench-results/latest.json');
}

function readPrevious(): { results: Record<string, BenchTable[]>; suiteAt: Record<string, string> } {
  const file = 'bench-results/latest.json';
  if (!existsSync(file)) return { results: {}, suiteAt: {} };
  try {
    const prev = JSON.parse(readFileSync(file, 'utf8'));
    const results = prev.results ?? {};
    const suiteAt = prev.suiteAt ?? Object.fromEntries(Object.keys(results).map((k) => [k, prev.at]));
    return { results, suiteAt };
  } catch {
    return { results: {}, suiteAt: {} };
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
