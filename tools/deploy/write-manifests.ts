// Writes the deployment files' worker parts from tools/deploy/workers.ts (see manifests.ts). Run by
// `npm run generate` after adding a step type or changing a worker's manifest entry.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, renderAll } from './manifests';

for (const { path, expected, current } of renderAll()) {
  if (expected === current) continue;
  writeFileSync(join(REPO, path), expected);
  console.log(`written: ${path}`);
}
