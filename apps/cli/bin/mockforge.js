#!/usr/bin/env node
'use strict';
// Starts the mockforge CLI: in the repository it runs the TypeScript sources through @swc-node/register
// (so the CLI is always the code you see); elsewhere it runs the build output of tools/scripts/build.js.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..', '..');
const sources = join(__dirname, '..', 'src', 'main.ts');
const compiled = [join(__dirname, '..', 'src', 'main.js'), join(root, 'dist', 'apps', 'cli', 'src', 'main.js')];

function entry() {
  if (existsSync(sources)) {
    try {
      require.resolve('@swc-node/register');
      // Path aliases and decorator settings come from the repository's tsconfig, wherever the CLI is run from.
      process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || join(root, 'tsconfig.json');
      require('@swc-node/register');
      return sources;
    } catch {
      // no dev dependencies installed: fall through to the build output
    }
  }
  const built = compiled.find((p) => existsSync(p));
  if (!built) {
    process.stderr.write('Error: the mockforge CLI is not built; run `npm run build` first\n');
    process.exit(1);
  }
  return built;
}

require(entry())
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
