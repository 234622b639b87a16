// Writes the exported pipeline JSON Schema to libs/pipeline-core/schema/pipeline.schema.json.
// Run after changing the models: node -r @swc-node/register libs/pipeline-core/tools/write-json-schema.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineJsonSchema } from '../src/lib/json-schema';

const target = join(__dirname, '..', 'schema', 'pipeline.schema.json');
writeFileSync(target, JSON.stringify(pipelineJsonSchema, null, 2) + '\n');
console.log(`written: ${target}`);
