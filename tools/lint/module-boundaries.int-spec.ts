import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const eslintBin = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

/** Lints `code` as if it were the file at `filePath` (the real eslint CLI, the lint step's config). */
function boundaryErrors(code: string, filePath: string): string[] {
  const res = spawnSync(process.execPath, [eslintBin, '--stdin', '--stdin-filename', filePath, '--format', 'json'], {
    cwd: root,
    input: code,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(res.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

// The pure model must stay pure: the lint step fails when pipeline-core imports I/O or a framework.
describe('module boundaries', () => {
  beforeAll(() => {
    // The boundary rule reads Nx's cached project graph; compute it as the lint script does.
    spawnSync(process.execPath, [join(root, 'node_modules', 'nx', 'bin', 'nx.js'), 'show', 'projects'], { cwd: root });
  });

  it.each(['@nestjs/common', 'ioredis', 'bullmq', 'typeorm', 'pg'])('refuses %s in libs/pipeline-core', (pkg) => {
    const messages = boundaryErrors(`import * as x from '${pkg}';\nexport const y = x;\n`, 'libs/pipeline-core/src/lib/probe.ts');
    expect(messages.join('\n')).toMatch(/scope:core.*not allowed/);
  });

  it('refuses a store import in pipeline-core', () => {
    const messages = boundaryErrors(`import { ExecutionStore } from '@mockops/execution-store';\nexport const y = ExecutionStore;\n`, 'libs/pipeline-core/src/lib/probe.ts');
    expect(messages.length).toBeGreaterThan(0);
  });

  it('allows the same imports in the store', () => {
    expect(boundaryErrors(`import { Client } from 'pg';\nexport const y = Client;\n`, 'libs/execution-store/src/lib/probe.ts')).toEqual([]);
  });
});
