import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { load } from 'js-yaml';
import { pipelineJsonSchema } from './json-schema';
import { stepTypesMarkdown } from './step-types/docs';

const schemaFile = join(__dirname, '..', '..', 'schema', 'pipeline.schema.json');
const fixtures = join(__dirname, '..', 'fixtures');

describe('pipelineJsonSchema', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(pipelineJsonSchema);
  const valid = (file: string) => validate(load(readFileSync(file, 'utf8')));

  it('equals libs/pipeline-core/schema/pipeline.schema.json (regenerate: node -r @swc-node/register libs/pipeline-core/tools/write-generated.ts)', () => {
    expect(JSON.parse(readFileSync(schemaFile, 'utf8'))).toEqual(JSON.parse(JSON.stringify(pipelineJsonSchema)));
  });

  it.each(readdirSync(join(fixtures, 'spec')).filter((f) => f.startsWith('pipeline-') || f.startsWith('use-case-')))('accepts spec example %s', (file) => {
    expect(valid(join(fixtures, 'spec', file))).toBe(true);
  });

  it.each([
    'unknown-top-level-key.yaml',
    'unknown-definition-key.yaml',
    'unknown-step-key.yaml',
    'unknown-config-key.yaml',
    'wrong-types.yaml',
    'unknown-step-type.yaml',
    'unknown-language.yaml',
    'missing-required-fields.yaml',
    'empty-steps.yaml',
    'bad-filter-object.yaml',
    'bad-retries.yaml',
    'literal-token.yaml',
    'notify-field-of-other-type.yaml',
    'bad-files.yaml',
  ])('rejects malformed %s', (file) => {
    expect(valid(join(fixtures, 'invalid', file))).toBe(false);
  });
});

describe('docs/step-types.md', () => {
  it('equals what the step type definitions generate (regenerate: node -r @swc-node/register libs/pipeline-core/tools/write-generated.ts)', () => {
    const file = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'step-types.md'), 'utf8');
    expect(file).toBe(stepTypesMarkdown());
  });
});

