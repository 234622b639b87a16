#!/usr/bin/env node
// Compiles apps/ and libs/ with swc into dist/ (same layout, path aliases rewritten to relative
// requires), copies JSON assets, and writes dist/apps/<app>/main.js for each app so that
// `node dist/apps/<app>/main.js` starts it (the way the Docker images and Kubernetes run it).
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve('@swc/cli/bin/swc.js'), 'apps', 'libs', '-d', 'dist', '--config-file', '.swcrc', '--copy-files', '--quiet',
   '--ignore', '**/*.spec.ts,**/*.int-spec.ts,**/*.e2e-spec.ts,**/fixtures/**'],
  { cwd: root, stdio: 'inherit' },
);
for (const app of readdirSync(join(root, 'apps'))) {
  if (!existsSync(join(dist, 'apps', app, 'src', 'main.js'))) continue;
  mkdirSync(join(dist, 'apps', app), { recursive: true });
  writeFileSync(join(dist, 'apps', app, 'main.js'), "require('./src/main.js');\n");
}
console.log('built dist/');
