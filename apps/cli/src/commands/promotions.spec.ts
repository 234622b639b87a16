import { Command } from 'commander';
import { createContext } from '../lib/context';
import { registerPromotionsCommands, type ApiPromotion } from './promotions';

function harness(answers: unknown[]) {
  const requests: { url: string; method: string; body?: string }[] = [];
  const fetchImpl = (async (url: URL, init: RequestInit) => {
    requests.push({ url: String(url), method: init.method ?? 'GET', body: init.body as string | undefined });
    return new Response(JSON.stringify(answers.shift() ?? {}), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  const ctx = createContext(io, { MOCKFORGE_API_URL: 'http://gateway.test/' }, fetchImpl);
  const program = new Command('mockforge').exitOverride();
  registerPromotionsCommands(program, ctx);
  program.commands.forEach((c) => c.exitOverride());
  return { run: (...argv: string[]) => program.parseAsync(['node', 'mockforge', ...argv]), requests, io };
}

const promotion: ApiPromotion = {
  id: 'prm-1',
  workspace_id: 'ws-1',
  entity_type: 'scenario',
  entity_id: 'sc-1',
  version: '3',
  from_environment: 'dev',
  to_environment: 'test',
  status: 'completed',
  require_approval: true,
  comments: null,
  execution_id: null,
  step_name: null,
  decided_by: 'alice',
  decision_comments: 'QA passed',
  error: null,
  error_code: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:01:00.000Z',
  decided_at: '2026-01-01T00:01:00.000Z',
  completed_at: '2026-01-01T00:01:00.000Z',
};

describe('mockforge promotions / environments', () => {
  it('lists with the filters as query parameters', async () => {
    const h = harness([{ items: [{ ...promotion, status: 'pending' }], next_cursor: 'c2' }]);
    await h.run('promotions', 'list', '--workspace', 'ws-1', '--status', 'pending');
    expect(h.requests[0]).toMatchObject({ method: 'GET', url: 'http://gateway.test/api/v1/promotions?workspace_id=ws-1&status=pending' });
    expect(h.io.stdout).toContain('prm-1  pending  ws-1       scenario sc-1  3        dev → test');
    expect(h.io.stderr).toBe('More: --cursor c2\n');
  });

  it('approves with a comment and says what was promoted', async () => {
    const h = harness([promotion]);
    await h.run('promotions', 'approve', 'prm-1', '--comment', 'QA passed', '--by', 'alice');
    expect(h.requests[0]).toMatchObject({ method: 'POST', url: 'http://gateway.test/api/v1/promotions/prm-1/approve' });
    expect(JSON.parse(h.requests[0].body!)).toEqual({ comments: 'QA passed', decided_by: 'alice' });
    expect(h.io.stdout).toBe('Promotion prm-1 approved: promoted scenario sc-1 v3 to test\n');
  });

  it('rejects', async () => {
    const h = harness([{ ...promotion, status: 'rejected' }]);
    await h.run('promotions', 'reject', 'prm-1', '--comment', 'broken');
    expect(h.requests[0].url).toBe('http://gateway.test/api/v1/promotions/prm-1/reject');
    expect(JSON.parse(h.requests[0].body!)).toEqual({ comments: 'broken' });
    expect(h.io.stdout).toBe('Promotion prm-1 rejected: rejected\n');
  });

  it('refuses an unknown status before calling the gateway', async () => {
    const h = harness([]);
    await expect(h.run('promotions', 'list', '--status', 'done')).rejects.toThrow('--status must be one of');
    expect(h.requests).toHaveLength(0);
  });

  it('shows what is where, and sets the order with --set', async () => {
    const view = {
      workspace_id: 'ws-1',
      configured: false,
      order: ['dev', 'test', 'prod'],
      environments: [
        { name: 'dev', position: 0, entities: [{ entity_type: 'scenario', entity_id: 'sc-1', version: '3', promotion_id: null, updated_at: 't1' }] },
        { name: 'test', position: 1, entities: [{ entity_type: 'scenario', entity_id: 'sc-1', version: '3', promotion_id: 'prm-1', updated_at: 't2' }] },
        { name: 'prod', position: 2, entities: [] },
      ],
    };
    const h = harness([view, { ...view, configured: true, order: ['dev', 'qa', 'prod'], environments: [] }]);
    await h.run('environments', 'ws-1');
    expect(h.requests[0]).toMatchObject({ method: 'GET', url: 'http://gateway.test/api/v1/workspaces/ws-1/environments' });
    expect(h.io.stdout).toContain('Workspace ws-1: dev → test → prod (default order)');
    expect(h.io.stdout).toContain('test         scenario sc-1  3        promotion prm-1');
    expect(h.io.stdout).toContain('dev          scenario sc-1  3        published');

    await h.run('environments', 'ws-1', '--set', 'dev, qa,prod');
    expect(h.requests[1]).toMatchObject({ method: 'PUT' });
    expect(JSON.parse(h.requests[1].body!)).toEqual({ environments: ['dev', 'qa', 'prod'] });
  });
});
