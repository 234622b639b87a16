import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { generateSdks } from './generate-sdks';
import { PETSTORE_API_KEY, PETSTORE_TOKEN, type PetstoreServer, startPetstoreServer } from '../testing/petstore-server';
import { PYTHON, writeSdk } from '../testing/sdk-toolchain';

/**
 * The generated TypeScript and Python petstore clients make real calls to a local server implementing
 * the petstore documents, and get typed results and typed errors back. The consumer programs are
 * type-checked (tsc --strict / mypy --strict) before they run, so the types are part of the test.
 */
const REPO = resolve(__dirname, '../../../..');
const EXAMPLES = join(REPO, 'node_modules/@readme/oas-examples/3.0/json');
const CONSUMERS = join(__dirname, '../fixtures/consumers');
const run = promisify(execFile);

describe('generated petstore clients against a live server', () => {
  let dir: string;
  let server: PetstoreServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mockops-sdk-petstore-'));
    for (const [name, file] of [
      ['expanded', 'petstore-expanded.json'],
      ['classic', 'petstore.json'],
    ]) {
      const { files } = await generateSdks({
        source: readFileSync(join(EXAMPLES, file)),
        filename: file,
        languages: ['typescript', 'python'],
        packageName: `petstore-${name}`,
      });
      writeSdk(join(dir, name), files);
    }
  });

  // A fresh server (and pet store) per test, so the two languages see the same data.
  beforeEach(async () => {
    server = await startPetstoreServer();
  });

  afterEach(async () => {
    await server?.close();
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('TypeScript: compiles with tsc --strict, calls the server, returns typed results and throws typed errors', async () => {
    mkdirSync(join(dir, 'consumer'));
    copyFileSync(join(CONSUMERS, 'petstore-usage.ts'), join(dir, 'consumer/petstore-usage.ts'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, target: 'ES2022', module: 'commonjs', lib: ['ES2022', 'DOM'], outDir: 'dist', rootDir: '.', skipLibCheck: true, types: [] },
        include: ['consumer/*.ts', 'expanded/typescript/src/*.ts', 'classic/typescript/src/*.ts'],
      }),
    );
    const tsc = spawnSync(join(REPO, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);

    const usage = require(join(dir, 'dist/consumer/petstore-usage.js')) as { run(base: string): Promise<Record<string, unknown>> };
    const result = await usage.run(server.baseUrl);

    expect(result['dogs']).toEqual([
      { id: 1, name: 'Rex', tag: 'dog' },
      { id: 3, name: 'Bello', tag: 'dog' },
    ]);
    expect(result['created']).toEqual({ id: 100, name: 'Nemo', tag: 'fish' });
    expect(result['fetchedName']).toBe('Nemo');
    expect(result['notFound']).toEqual({ status: 404, code: 404, message: 'pet 999 not found' });
    expect(result['deleted']).toBeUndefined();
    expect(result['inventory']).toEqual({ available: 1, sold: 1, pending: 1 });
    expect((result['byStatus'] as { name: string }[]).map((p) => p.name)).toEqual(['Rex', 'Bello']);
    expect(result['renamed']).toMatchObject({ id: 2, name: 'Tommy', status: 'available' });
    expect(result['unauthorized']).toBe(401);

    // What went over the wire: JSON body, exploded array query, credentials only where the spec says.
    const post = server.requests.find((r) => r.method === 'POST' && r.url === '/expanded/pets')!;
    expect(post.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post.body)).toEqual({ name: 'Nemo', tag: 'fish' });
    expect(server.requests.find((r) => r.url.startsWith('/expanded/pets?'))!.url).toBe('/expanded/pets?tags=dog&limit=10');
    const find = server.requests.find((r) => r.url.startsWith('/v2/pet/findByStatus'))!;
    expect(find.url).toBe('/v2/pet/findByStatus?status=available&status=pending');
    expect(find.headers['authorization']).toBe(`Bearer ${PETSTORE_TOKEN}`);
    expect(find.headers['api_key']).toBeUndefined();
    const inventory = server.requests.find((r) => r.url === '/v2/store/inventory')!;
    expect(inventory.headers['api_key']).toBe(PETSTORE_API_KEY);
    expect(inventory.headers['authorization']).toBeUndefined();
    const form = server.requests.find((r) => r.method === 'POST' && r.url === '/v2/pet/2')!;
    expect(form.body).toBe('name=Tommy&status=available');
  });

  it('Python: passes mypy --strict, calls the server, returns typed results and raises typed errors', async () => {
    const script = join(dir, 'petstore_usage.py');
    copyFileSync(join(CONSUMERS, 'petstore_usage.py'), script);
    const env = { ...process.env, PYTHONPATH: [join(dir, 'expanded/python'), join(dir, 'classic/python')].join(':'), MYPYPATH: [join(dir, 'expanded/python'), join(dir, 'classic/python')].join(':') };
    const mypy = spawnSync(PYTHON, ['-m', 'mypy', '--strict', '--no-incremental', '--cache-dir', '/dev/null', script], { encoding: 'utf8', env, cwd: dir });
    expect(mypy.stdout + mypy.stderr).toMatch(/^Success: no issues found/);

    // Asynchronous on purpose: the server lives in this process and must keep answering.
    const { stdout } = await run(PYTHON, [script, server.baseUrl], { env, cwd: dir });
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result['dogs']).toEqual([
      { id: 1, name: 'Rex', tag: 'dog' },
      { id: 3, name: 'Bello', tag: 'dog' },
    ]);
    expect(result['created']).toEqual({ id: 100, name: 'Nemo', tag: 'fish' });
    expect(result['fetchedName']).toBe('Nemo');
    expect(result['notFound']).toEqual({ status: 404, code: 404, message: 'pet 999 not found' });
    expect(result['inventory']).toEqual({ available: 1, sold: 1, pending: 1 });
    expect((result['byStatus'] as { name: string }[]).map((p) => p.name)).toEqual(['Rex', 'Bello']);
    expect(result['renamed']).toMatchObject({ id: 2, name: 'Tommy', status: 'available' });
    expect(result['unauthorized']).toBe(401);

    const find = server.requests.find((r) => r.url.startsWith('/v2/pet/findByStatus'))!;
    expect(find.url).toBe('/v2/pet/findByStatus?status=available&status=pending');
    expect(find.headers['authorization']).toBe(`Bearer ${PETSTORE_TOKEN}`);
    const post = server.requests.find((r) => r.method === 'POST' && r.url === '/expanded/pets')!;
    expect(post.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post.body)).toEqual({ name: 'Nemo', tag: 'fish' });
  });
});
