#!/usr/bin/env node
// Compiles apps/ and libs/ with swc into dist/ (same layout, path aliases rewritten to relative
// requires), copies JSON assets, and writes dist/apps/<app>/main.js for each app so that
// `node dist/apps/<app>/main.js` starts it (the way the Docker images and Kubernetes run it), then
// builds the web app (apps/web, Vite) into dist/apps/web, which the gateway serves at /.
// `--out <dir>` builds elsewhere than dist/ (tests that run from a build of their own).
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const root = join(__dirname, '..', '..');
const outArg = process.argv.indexOf('--out');
const dist = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve('@swc/cli/bin/swc.js'), 'apps', 'libs', '-d', relative(root, dist) || '.', '--config-file', '.swcrc', '--copy-files', '--quiet',
   '--ignore', '**/*.spec.ts,**/*.int-spec.ts,**/*.e2e-spec.ts,**/fixtures/**,apps/web/**'],
  { cwd: root, stdio: 'inherit' },
);
for (const app of readdirSync(join(root, 'apps'))) {
  if (!existsSync(join(dist, 'apps', app, 'src', 'main.js'))) continue;
  mkdirSync(join(dist, 'apps', app), { recursive: true });
  writeFileSync(join(dist, 'apps', app, 'main.js'), "require('./src/main.js');\n");
}
execFileSync(process.execPath, [join(require.resolve('vite/package.json'), '..', 'bin', 'vite.js'), 'build', '--config', 'apps/web/vite.config.mts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, MOCKOPS_WEB_OUT_DIR: join(dist, 'apps', 'web') },
});
console.log(`built ${relative(root, dist) || '.'}/`);
