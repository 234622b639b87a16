import { normalizeAutoPromoteConfig } from './auto-promote-config';

// What the schema refuses is tested with the schema in pipeline-core (rendered-config.spec.ts).
describe('normalizeAutoPromoteConfig', () => {
  const spec = { entity_type: 'scenario', entity_id: 'sc-1', from_environment: 'dev', to_environment: 'test' };

  it("takes the spec's step with defaults for the optional fields", () => {
    expect(normalizeAutoPromoteConfig(spec)).toEqual({
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

  it('turns ids and versions into text', () => {
    expect(normalizeAutoPromoteConfig({ ...spec, entity_id: 42, version: 3, require_approval: true, comments: 'ok' })).toMatchObject({
      entityId: '42',
      version: '3',
      requireApproval: true,
      comments: 'ok',
    });
  });
});
