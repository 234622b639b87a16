// SDK generation on GitHub's own OpenAPI description (13 MB): @mockops/sdk-generator for all three
// languages and for TypeScript alone, beside @hey-api/openapi-ts generating TypeScript (types + sdk +
// fetch client) for the same document in the same run. Every generator writes its files to a temp dir.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { generateSdks, type SdkLanguage } from '../../../libs/sdk-generator/src';
import type { BenchTable } from '../run';

export const name = 'sdk';

const RUNS = 3;
const SPEC_PATH = require.resolve('@octokit/openapi/generated/api.github.com.json');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function ours(source: string, languages: SdkLanguage[]): Promise<{ ms: number[]; files: number; bytes: number }> {
  const ms: number[] = [];
  let files = 0;
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'mockops-sdk-bench-'));
    const t = process.hrtime.bigint();
    const result = await generateSdks({ source, filename: 'api.github.com.json', languages });
    for (const f of result.files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.content);
    }
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    files = result.files.length;
    bytes = result.files.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
    rmSync(dir, { recursive: true, force: true });
  }
  return { ms, files, bytes };
}

/** @hey-api/openapi-ts is ESM-only: it runs in a child process that reports its own elapsed time. */
async function heyApi(): Promise<{ ms: number; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'mockops-sdk-bench-hey-'));
  const script = `
    import { createClient } from '@hey-api/openapi-ts';
    import { readdirSync, statSync } from 'node:fs';
    import { join } from 'node:path';
    const t = process.hrtime.bigint();
    await createClient({ input: ${JSON.stringify(SPEC_PATH)}, output: { path: ${JSON.stringify(dir)} },
      plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'], logs: { level: 'silent' } });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const size = (d) => readdirSync(d).reduce((n, f) => { const p = join(d, f); const s = statSync(p); return n + (s.isDirectory() ? size(p) : s.size); }, 0);
    console.log(JSON.stringify({ ms, bytes: size(${JSON.stringify(dir)}) }));
  `;
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(__dirname, '../../..'),
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as { ms: number; bytes: number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchTable[]> {
  const spec = require(SPEC_PATH) as object;
  const source = JSON.stringify(spec);
  const all = await ours(source, ['typescript', 'python', 'rust']);
  const ts = await ours(source, ['typescript']);
  const hey = await heyApi();
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  return [
    {
      title: `GitHub REST API description (${mb(Buffer.byteLength(source))} MB JSON), median of ${RUNS} runs`,
      rows: [
        { generator: '@mockops/sdk-generator', languages: 'typescript+python+rust', median_ms: median(all.ms), min_ms: Math.min(...all.ms), output_mb: mb(all.bytes), files: all.files },
        { generator: '@mockops/sdk-generator', languages: 'typescript', median_ms: median(ts.ms), min_ms: Math.min(...ts.ms), output_mb: mb(ts.bytes), files: ts.files },
        { generator: '@hey-api/openapi-ts (1 run)', languages: 'typescript', median_ms: hey.ms, min_ms: hey.ms, output_mb: mb(hey.bytes), files: '-' },
      ],
      notes: [
        `ratio: our TypeScript / hey-api TypeScript = ${(median(ts.ms) / hey.ms).toFixed(3)} (lower is better; target <= 1)`,
        `target: all three languages <= 10000 ms -> ${median(all.ms) <= 10000 ? 'met' : 'missed'}`,
        'times include parsing the JSON text, validation, modelling, emission and writing the files',
      ],
    },
  ];
}
