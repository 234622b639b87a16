import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// Config has one reader: libs/config turns the environment into typed sections and the apps wire those
// sections into the libraries. A library that reads the environment itself hides a setting from the
// config (its validation, its docs, its tests), so this fails when one does.
const root = join(__dirname, '..', '..');

/** Test code and the test helpers may read the environment (toolchain paths, ports...). */
const isTestCode = (path: string) => /\.(spec|int-spec|e2e-spec)\.ts$/.test(path) || /\/(test|testing|e2e)\//.test(path);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/**
 * Reads that are not configuration, each with its reason. Keep this list short.
 * - generate-sdks-isolated: running from TypeScript sources (tests, `npm run start:dev`), the SDK
 *   generation thread registers @swc-node with the caller's SWC_NODE_PROJECT; built code never does.
 */
const NOT_CONFIG = new Set(['libs/sdk-generator/src/lib/isolated/generate-sdks-isolated.ts']);

const ENV_READ = /\bprocess\s*(\.\s*env\b|\[\s*['"`]env['"`]\s*\])/;

describe('one config reader', () => {
  const libs = join(root, 'libs');
  const files = sources(libs)
    .map((path) => relative(root, path))
    .filter((path) => !path.startsWith('libs/config/') && !path.startsWith('libs/testing/') && !isTestCode(path));

  it('finds the library sources it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('libs/steps/notify/src/lib/notify.handler.ts');
  });

  it('no library outside libs/config reads process.env', () => {
    const readers = files.filter((path) => !NOT_CONFIG.has(path) && ENV_READ.test(readFileSync(join(root, path), 'utf8')));
    expect(readers).toEqual([]);
  });

  it('lists only exceptions that still read it', () => {
    for (const path of NOT_CONFIG) expect(ENV_READ.test(readFileSync(join(root, path), 'utf8'))).toBe(true);
  });

  it('recognises the ways of reading it', () => {
    for (const code of ['process.env.X', "process['env']", 'const { X } = process.env;', 'process .env']) expect(ENV_READ.test(code)).toBe(true);
    for (const code of ['processes.environment', 'this.process.envelope']) expect(ENV_READ.test(code)).toBe(false);
  });
});
