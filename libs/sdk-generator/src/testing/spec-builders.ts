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
