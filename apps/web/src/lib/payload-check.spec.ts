import { EVENT_PAYLOAD_SCHEMAS } from '@mockops/pipeline-core';
import { checkPayload, examplePayload } from './payload-check';

describe('checkPayload (the publish form)', () => {
  const schema = EVENT_PAYLOAD_SCHEMAS['scenario.published'];

  it('accepts a payload the schema allows', () => {
    expect(checkPayload('{"scenario_id": "sc-1", "version": 3}', schema)).toEqual({ ok: true, payload: { scenario_id: 'sc-1', version: 3 } });
  });

  it('names the field and the rule a payload breaks', () => {
    const result = checkPayload('{"scenario_name": 42}', schema);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '', message: expect.stringContaining('scenario_id') }),
        expect.objectContaining({ path: '/scenario_name', message: expect.stringContaining('string') }),
      ]),
    );
  });

  it('refuses text that is not a JSON object, and checks only that for unknown types', () => {
    expect(checkPayload('{"a": ', schema)).toMatchObject({ ok: false, problems: [{ message: expect.stringContaining('not valid JSON') }] });
    expect(checkPayload('[1]', undefined)).toMatchObject({ ok: false, problems: [{ message: 'the payload must be a JSON object' }] });
    expect(checkPayload('{"anything": true}', undefined)).toEqual({ ok: true, payload: { anything: true } });
  });

  it('starts every known type with an example its schema accepts', () => {
    for (const [type, s] of Object.entries(EVENT_PAYLOAD_SCHEMAS)) {
      expect(checkPayload(JSON.stringify(examplePayload(type, s)), s).ok).toBe(true);
    }
  });
});
