import { anEvent } from '../test-builders';
import type { EventEnvelope } from './events';
import { eventKeyContext, renderEventKey } from './event-keys';
import { sharedRenderer } from './template-renderer';

const input = { event: anEvent({ payload: { entity_id: 'e-1' } }) as EventEnvelope, ownerWorkspaceId: 'ws', pipeline: { id: 'p', name: 'p' } };

describe('renderEventKey', () => {
  it('renders a key from the event', () => {
    expect(renderEventKey('{{ event.entity_id }}', input, 'group')).toEqual({ ok: true, text: 'e-1' });
  });

  it('refuses a key template that loops: keys are rendered by the shared matcher for every event', () => {
    // Within what one step config template may do (the shared renderer's own limits), not within a key's.
    const loop = '{% for i in (1..200) %}{% for j in (1..1000) %}{% endfor %}{% endfor %}{{ event.entity_id }}';
    expect(sharedRenderer().renderString(loop, eventKeyContext(input))).toBe('e-1');
    const out = renderEventKey(loop, input, 'group');
    expect(out).toMatchObject({ ok: false, error: expect.stringMatching(/^group: template exceeds its resource limits/) });
  });
});
