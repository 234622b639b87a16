import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, main } from './main';

/** Captures what the CLI writes. */
function captureIo() {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

/** A gateway stand-in answering one canned response and recording the requests. */
function fakeGateway(status: number, body: unknown) {
  const requests: { url: string; method: string; headers: Record<string, string>; body?: string }[] = [];
  const fetchImpl = (async (url: URL, init: RequestInit) => {
    requests.push({ url: String(url), method: init.method!, headers: init.headers as Record<string, string>, body: init.body as string | undefined });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { fetchImpl, requests };
}

const env = { MOCKFORGE_API_URL: 'http://gateway.test:8080/', MOCKFORGE_API_KEY: 'k-123' };

describe('mockforge main()', () => {
  it('sends the key and the query, and prints the list as a table (exit 0)', async () => {
    const gw = fakeGateway(200, { items: [{ id: 'p1', name: 'drift-gitops-pr', workspace_id: null, enabled: false, revision: 2, updated_at: '2026-01-01T00:00:00.000Z' }], next_cursor: 'c2' });
    const io = captureIo();
    const code = await main(['node', 'mockforge', 'pipelines', 'list', '--workspace', 'ws-1', '--enabled'], { io, env, fetch: gw.fetchImpl });
    expect(code).toBe(EXIT_OK);
    expect(gw.requests[0]).toMatchObject({ method: 'GET', url: 'http://gateway.test:8080/api/v1/pipelines?workspace_id=ws-1&enabled=true' });
    expect(gw.requests[0].headers.authorization).toBe('Bearer k-123');
    expect(io.stdout).toContain('p1  drift-gitops-pr  -          no');
    expect(io.stderr).toBe('More: --cursor c2\n');
  });

  it("prints the server's error with its details and exits 1", async () => {
    const gw = fakeGateway(409, { code: 'CONFLICT', message: 'pipeline "x" already exists', details: [{ path: 'name', message: 'taken' }] });
    const io = captureIo();
    const code = await main(['node', 'mockforge', 'pipelines', 'enable', 'p1'], { io, env, fetch: gw.fetchImpl });
    expect(code).toBe(EXIT_FAILED);
    expect(io.stderr).toBe('Error: pipeline "x" already exists\n  - name: taken\n');
  });

  it('exits 2 for usage errors without calling the gateway', async () => {
    const gw = fakeGateway(200, {});
    for (const argv of [['pipelines', 'get'], ['pipelines', 'list', '--enabled', '--disabled'], ['pipelines', 'list', '-o', 'xml'], ['nope']]) {
      const io = captureIo();
      expect(await main(['node', 'mockforge', ...argv], { io, env, fetch: gw.fetchImpl })).toBe(EXIT_USAGE);
      expect(io.stderr).not.toBe('');
    }
    expect(gw.requests).toHaveLength(0);
  });

  it('explains an unreachable gateway in one line', async () => {
    const fetchImpl = (async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as unknown as typeof fetch;
    const io = captureIo();
    expect(await main(['node', 'mockforge', 'pipelines', 'get', 'p1'], { io, env, fetch: fetchImpl })).toBe(EXIT_FAILED);
    expect(io.stderr).toBe('Error: cannot reach the gateway at http://gateway.test:8080 (ECONNREFUSED)\n');
  });

  it('help exits 0', async () => {
    const io = captureIo();
    expect(await main(['node', 'mockforge', '--help'], { io, env })).toBe(EXIT_OK);
    expect(io.stdout).toContain('pipelines');
  });
});
