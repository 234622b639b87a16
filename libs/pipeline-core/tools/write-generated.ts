// Writes what is generated from the model: the pipeline JSON Schema
// (libs/pipeline-core/schema/pipeline.schema.json) and the step types reference (docs/step-types.md).
// Run after changing a step type or the document models: node -r @swc-node/register libs/pipeline-core/tools/write-generated.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineJsonSchema } from '../src/lib/json-schema';
import { stepTypesMarkdown } from '../src/lib/step-types/docs';

const root = join(__dirname, '..', '..', '..');
const targets: [string, string][] = [
  [join(__dirname, '..', 'schema', 'pipeline.schema.json'), JSON.stringify(pipelineJsonSchema, null, 2) + '\n'],
  [join(root, 'docs', 'step-types.md'), stepTypesMarkdown()],
];
for (const [file, text] of targets) {
  writeFileSync(file, text);
  console.log(`written: ${file}`);
}
