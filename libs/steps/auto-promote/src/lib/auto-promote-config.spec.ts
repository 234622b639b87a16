import { PermanentStepError } from '@mockops/worker-kit';
import { parseAutoPromoteConfig } from './auto-promote-config';

const spec = { entity_type: 'scenario', entity_id: 'sc-1', from_environment: 'dev', to_environment: 'test' };

const problemOf = (raw: unknown): string => {
  try {
    parseAutoPromoteConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(PermanentStepError);
    expect((e as PermanentStepError).code).toBe('AUTO_PROMOTE_CONFIG_INVALID');
    return (e as Error).message;
  }
  throw new Error('expected the config to be refused');
};

describe('parseAutoPromoteConfig', () => {
  it("accepts the spec's step with defaults for the optional fields", () => {
    expect(parseAutoPromoteConfig(spec)).toEqual({
      entityType: 'scenario',
      entityId: 'sc-1',
      fromEnvironment: 'dev',
      toEnvironment: 'test',
      comments: null,
      version: null,
      requireApproval: false,
      allowSkip: false,
    });
  });

  it('normalises numbers to text and reads flags rendered as strings', () => {
    const parsed = parseAutoPromoteConfig({ ...spec, entity_id: 42, version: 3, require_approval: 'true', allow_skip: false, comments: 'ok' });
    expect(parsed).toMatchObject({ entityId: '42', version: '3', requireApproval: true, allowSkip: false, comments: 'ok' });
  });

  it('lists every problem at once', () => {
    const message = problemOf({ entity_type: 'workspace', entity_id: '', from_environment: 'dev', require_approval: 'yes', colour: 'red' });
    expect(message).toContain('unknown field "colour"');
    expect(message).toContain('entity_type must be one of scenario, persona, config, got "workspace"');
    expect(message).toContain('entity_id must be a non-empty string or number');
    expect(message).toContain('to_environment must be a non-empty string, got nothing');
    expect(message).toContain('require_approval must be true or false, got "yes"');
  });

  it('refuses a config that is not a mapping', () => {
    expect(problemOf(['dev'])).toContain('config must be a mapping');
  });
});
