/** Small builders for OpenAPI documents used by the tests (only what each test cares about varies). */
type Obj = Record<string, unknown>;

export function openApi3(parts: { schemas?: Obj; paths?: Obj; version?: string; extra?: Obj } = {}): Obj {
  return {
    openapi: parts.version ?? '3.0.3',
    info: { title: 'Test API', version: '1.2.3' },
    servers: [{ url: 'https://api.example.com/v1' }],
    paths: parts.paths ?? {},
    components: { schemas: parts.schemas ?? {} },
    ...parts.extra,
  };
}

export function getOperation(operationId: string, responseSchema: unknown, extra: Obj = {}): Obj {
  return {
    get: {
      operationId,
      responses: { '200': { description: 'ok', content: { 'application/json': { schema: responseSchema } } } },
      ...extra,
    },
  };
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const asSource = (doc: unknown): string => JSON.stringify(doc);

/** A large but valid document: `n` object schemas of 20 properties each and one operation per schema. */
export function hugeOpenApi(n: number): Obj {
  const schemas: Obj = {};
  const paths: Obj = {};
  for (let i = 0; i < n; i++) {
    const properties: Obj = {};
    for (let p = 0; p < 20; p++) properties[`field${p}`] = p % 3 === 0 ? { type: 'string' } : p % 3 === 1 ? { type: 'integer' } : ref(`Model${(i + 1) % n}`);
    schemas[`Model${i}`] = { type: 'object', description: `Model number ${i}`, properties };
    paths[`/models${i}/{id}`] = getOperation(`getModel${i}`, ref(`Model${i}`), { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }] });
  }
  return openApi3({ schemas, paths });
}
