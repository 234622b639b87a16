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

  // The layers (eslint.config.mjs LAYERS): a library imports only the layers below it.
  it.each([
    ['libs/steps/notify/src/lib/probe.ts', '@mockops/runtime', 'steps below the runtime'],
    ['libs/steps/auto-promote/src/lib/probe.ts', '@mockops/gateway-api', 'steps below the gateway'],
    ['libs/steps/regenerate-sdk/src/lib/probe.ts', '@mockops/execution-store', 'steps reach the store through ports'],
    ['libs/steps/create-pr/src/lib/probe.ts', '@mockops/step-notify', 'one step lib does not import another'],
    ['libs/matcher/src/lib/probe.ts', '@mockops/worker-kit', 'the matcher declares its dispatch port'],
    ['libs/worker-kit/src/lib/probe.ts', '@mockops/config', 'the worker base gets options, not the config'],
    ['libs/execution-store/src/lib/probe.ts', '@mockops/event-stream', 'the store knows no stream'],
    ['libs/gateway-api/src/lib/probe.ts', '@mockops/runtime', 'the gateway below the runtime'],
    ['libs/pipeline-core/src/lib/probe.ts', '@mockops/telemetry', 'the pure model records nothing'],
    ['libs/telemetry/src/lib/probe.ts', '@mockops/worker-kit', 'telemetry implements the worker base\'s port without importing it'],
    ['libs/telemetry/src/lib/probe.ts', '@mockops/config', 'telemetry gets settings, not the config'],
  ])('refuses %s importing %s (%s)', (file, lib) => {
    const messages = boundaryErrors(`import * as x from '${lib}';\nexport const y = x;\n`, file);
    expect(messages.join('\n')).toMatch(/can only depend on libs tagged with|Circular dependency/);
  });

  it.each([
    ['libs/steps/notify/src/lib/probe.ts', '@mockops/worker-kit'],
    ['libs/runtime/src/lib/probe.ts', '@mockops/step-notify'],
    ['libs/gateway-api/src/lib/probe.ts', '@mockops/execution-store'],
    ['libs/egress/src/lib/probe.ts', '@mockops/telemetry'],
    ['libs/matcher/src/lib/probe.ts', '@mockops/telemetry'],
    ['libs/execution-store/src/lib/probe.ts', '@mockops/telemetry'],
  ])('allows %s importing %s', (file, lib) => {
    expect(boundaryErrors(`import * as x from '${lib}';\nexport const y = x;\n`, file)).toEqual([]);
  });

  // regenerate_sdk loads the generator on first use (the one-process app's memory): a dynamic import
  // is allowed by the layers, and Nx then forbids static ones beside it.
  it('allows libs/steps/regenerate-sdk to load @mockops/sdk-generator on first use', () => {
    expect(boundaryErrors(`export const load = () => import('@mockops/sdk-generator');\n`, 'libs/steps/regenerate-sdk/src/lib/probe.ts')).toEqual([]);
  });

  it('lets tests of a step lib use the store and the test peers', () => {
    const code = `import { ExecutionStore } from '@mockops/execution-store';\nimport { createTestEnv } from '@mockops/testing';\nexport const y = [ExecutionStore, createTestEnv];\n`;
    expect(boundaryErrors(code, 'libs/steps/notify/src/lib/probe.int-spec.ts')).toEqual([]);
  });
});
