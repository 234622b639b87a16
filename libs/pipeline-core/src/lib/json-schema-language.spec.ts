import Ajv from 'ajv';
import { pipelineJsonSchema } from './json-schema';
import { parsePipeline } from './pipeline-parser';

describe('pipelineJsonSchema: needs, if, concurrency, debounce', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(pipelineJsonSchema);
  const step = (name: string, extra: Record<string, unknown> = {}) => ({ name, step_type: 'notify', config: { type: 'slack', message: 'm' }, ...extra });
  const doc = (definition: Record<string, unknown>) => ({
    name: 'lang',
    definition: { triggers: [{ event: 'schema.changed' }], steps: [step('a')], ...definition },
  });

  const valid = [
    doc({ steps: [step('a'), step('b', { needs: 'a' }), step('c', { needs: ['a', 'b'] }), step('d', { needs: [], if: "event.x == 'y'" }), step('e', { if: false })] }),
    doc({ concurrency: 'deploys' }),
    doc({ concurrency: { group: '{{ event.entity_id }}', cancel_in_progress: true } }),
    doc({ triggers: [{ event: 'schema.changed', debounce: { key: '{{ event.spec_path }}', period: '30s', max_wait: '1h30m' } }] }),
  ];

  it.each(valid.map((d, i) => [i, d]))('accepts document %i, which the parser accepts too', (_i, d) => {
    expect(parsePipeline(d).errors).toEqual([]);
    expect(validate(d)).toBe(true);
  });

  const invalid: [string, unknown][] = [
    ['needs of another type', doc({ steps: [step('a', { needs: 3 })] })],
    ['a needs name that is not a step name', doc({ steps: [step('a', { needs: ['has space'] })] })],
    ['an empty if', doc({ steps: [step('a', { if: '' })] })],
    ['a concurrency without group', doc({ concurrency: { cancel_in_progress: true } })],
    ['an unknown concurrency key', doc({ concurrency: { group: 'g', queue: 1 } })],
    ['a debounce without period', doc({ triggers: [{ event: 'schema.changed', debounce: { key: 'k' } }] })],
    ['a period that is not a duration', doc({ triggers: [{ event: 'schema.changed', debounce: { period: '30' } }] })],
    ['an unknown debounce key', doc({ triggers: [{ event: 'schema.changed', debounce: { period: '1m', delay: '1m' } }] })],
  ];

  it.each(invalid)('rejects %s (so does the parser)', (_what, d) => {
    expect(validate(d)).toBe(false);
    expect(parsePipeline(d).ok).toBe(false);
  });
});
