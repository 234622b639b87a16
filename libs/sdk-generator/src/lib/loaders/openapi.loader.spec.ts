import type { ApiModel, NamedModel } from '../api-model';
import { loadApiModel } from '../load-api-model';
import { SdkGenerationError } from '../sdk-generation.error';
import { asSource, getOperation, openApi3, ref } from '../../testing/spec-builders';

const load = (doc: unknown, filename = 'api.json') => loadApiModel({ source: asSource(doc), filename });
const model = (m: ApiModel, name: string): NamedModel => {
  const found = m.models.find((x) => x.name === name);
  if (!found) throw new Error(`no model ${name}: ${m.models.map((x) => x.name).join(', ')}`);
  return found;
};

describe('OpenAPI loader', () => {
  it('keeps circular schemas as named references instead of expanding them', async () => {
    const m = await load(
      openApi3({
        schemas: { Node: { type: 'object', properties: { value: { type: 'string' }, children: { type: 'array', items: ref('Node') }, parent: ref('Node') } } },
        paths: { '/tree': getOperation('getTree', ref('Node')) },
      }),
    );
    const node = model(m, 'Node');
    expect(node).toMatchObject({
      kind: 'object',
      properties: [
        { wireName: 'value', type: { kind: 'primitive', type: 'string' } },
        { wireName: 'children', type: { kind: 'array', items: { kind: 'ref', name: 'Node' } } },
        { wireName: 'parent', type: { kind: 'ref', name: 'Node' } },
      ],
    });
    expect(m.operations[0].success?.type).toEqual({ kind: 'ref', name: 'Node' });
  });

  it('merges allOf, hoists inline enums and unions, and reads 3.0 nullable', async () => {
    const m = await load(
      openApi3({
        schemas: {
          Base: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } },
          Dog: {
            allOf: [ref('Base'), { type: 'object', properties: { bark: { type: 'string', nullable: true }, mood: { type: 'string', enum: ['happy', 'sad'] } } }],
          },
          Pet: { oneOf: [ref('Dog'), { type: 'string' }], discriminator: { propertyName: 'kind' } },
          Tags: { type: 'object', additionalProperties: { type: 'integer' } },
        },
      }),
    );
    expect(model(m, 'Dog')).toMatchObject({
      kind: 'object',
      properties: [
        { wireName: 'id', required: true },
        { wireName: 'bark', required: false, type: { kind: 'nullable', inner: { kind: 'primitive', type: 'string' } } },
        { wireName: 'mood', type: { kind: 'ref', name: 'DogMood' } },
      ],
    });
    expect(model(m, 'DogMood')).toMatchObject({ kind: 'enum', valueType: 'string', values: ['happy', 'sad'] });
    expect(model(m, 'Pet')).toMatchObject({ kind: 'union', discriminator: 'kind', variants: [{ kind: 'ref', name: 'Dog' }, { kind: 'primitive', type: 'string' }] });
    expect(model(m, 'Tags')).toMatchObject({ kind: 'alias', type: { kind: 'map', values: { kind: 'primitive', type: 'integer' } } });
  });

  it('reads 3.1 type arrays with null as nullable', async () => {
    const m = await load(openApi3({ version: '3.1.0', schemas: { Thing: { type: 'object', properties: { note: { type: ['string', 'null'] } } } } }));
    expect(model(m, 'Thing')).toMatchObject({ properties: [{ wireName: 'note', type: { kind: 'nullable', inner: { kind: 'primitive', type: 'string' } } }] });
  });

  it('collects parameters, body, success and error responses, and security of an operation', async () => {
    const m = await load(
      openApi3({
        schemas: { Pet: { type: 'object', properties: { name: { type: 'string' } } }, Problem: { type: 'object', properties: { message: { type: 'string' } } } },
        paths: {
          '/pets/{petId}': {
            parameters: [{ name: 'petId', in: 'path', required: true, schema: { type: 'integer' } }],
            put: {
              operationId: 'updatePet',
              parameters: [
                { name: 'dry-run', in: 'query', schema: { type: 'boolean' } },
                { name: 'X-Trace', in: 'header', schema: { type: 'string' } },
              ],
              requestBody: { required: true, content: { 'application/json': { schema: ref('Pet') } } },
              responses: {
                '200': { description: 'ok', content: { 'application/json': { schema: ref('Pet') } } },
                '404': { description: 'missing', content: { 'application/json': { schema: ref('Problem') } } },
              },
              security: [{ bearer: [] }],
            },
          },
        },
        extra: { components: { schemas: { Pet: { type: 'object', properties: { name: { type: 'string' } } }, Problem: { type: 'object', properties: { message: { type: 'string' } } } }, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } },
      }),
    );
    const op = m.operations[0];
    expect(op).toMatchObject({ id: 'updatePet', method: 'PUT', path: '/pets/{petId}', security: ['bearer'] });
    expect(op.parameters.map((p) => [p.in, p.wireName, p.required])).toEqual([
      ['path', 'petId', true],
      ['query', 'dry-run', false],
      ['header', 'X-Trace', false],
    ]);
    expect(op.body).toMatchObject({ encoding: 'json', required: true, type: { kind: 'ref', name: 'Pet' } });
    expect(op.success).toMatchObject({ status: '200', type: { kind: 'ref', name: 'Pet' } });
    expect(op.errors).toMatchObject([{ status: '404', type: { kind: 'ref', name: 'Problem' } }]);
    expect(m.securitySchemes).toEqual([{ kind: 'bearer', name: 'bearer' }]);
    expect(m.baseUrl).toBe('https://api.example.com/v1');
  });

  it('converts Swagger 2.0 body and formData parameters and its base URL', async () => {
    const m = await loadApiModel({
      filename: 'swagger.yaml',
      source: [
        'swagger: "2.0"',
        'info: {title: Old API, version: "1"}',
        'host: old.example.com',
        'basePath: /api',
        'schemes: [https]',
        'paths:',
        '  /upload:',
        '    post:',
        '      operationId: upload',
        '      consumes: [multipart/form-data]',
        '      parameters:',
        '        - {name: file, in: formData, type: file, required: true}',
        '        - {name: note, in: formData, type: string}',
        '      responses:',
        '        "201": {description: created, schema: {$ref: "#/definitions/Receipt"}}',
        'definitions:',
        '  Receipt: {type: object, properties: {id: {type: string}}}',
      ].join('\n'),
    });
    expect(m.baseUrl).toBe('https://old.example.com/api');
    const op = m.operations[0];
    expect(op.body).toMatchObject({ encoding: 'multipart', required: true });
    const bodyModel = model(m, (op.body!.type as { name: string }).name);
    expect(bodyModel).toMatchObject({ kind: 'object', properties: [{ wireName: 'file', required: true, type: { kind: 'primitive', type: 'binary' } }, { wireName: 'note', required: false }] });
    expect(op.success).toMatchObject({ status: '201', type: { kind: 'ref', name: 'Receipt' } });
  });

  it('names operations without operationId after method and path, without clashing with declared ids', async () => {
    const m = await load(
      openApi3({
        paths: {
          '/pets/{id}': { get: { responses: { '204': { description: 'x' } } } },
          '/other': { get: { operationId: 'getPetsId', responses: { '204': { description: 'x' } } } },
        },
      }),
    );
    expect(m.operations.map((o) => [o.id, o.path])).toEqual([
      ['getPetsId', '/other'],
      ['getPetsId2', '/pets/{id}'],
    ]);
  });

  it('gives each path its own operation when a path item is a $ref to another', async () => {
    const m = await load(
      openApi3({
        paths: {
          '/a': { get: { responses: { '204': { description: 'x' } } } },
          '/b': { $ref: '#/paths/~1a' },
        },
      }),
    );
    expect(m.operations.map((o) => [o.id, o.path])).toEqual([
      ['getA', '/a'],
      ['getB', '/b'],
    ]);
  });

  it('reads allOf of scalar schemas as that scalar, not as an object', async () => {
    const m = await load(
      openApi3({
        schemas: { Key: { type: 'object', properties: { label: { allOf: [{ type: 'string' }, { type: 'string', minLength: 1 }] }, n: { allOf: [{ type: 'integer' }, { minimum: 1 }] } } } },
      }),
    );
    expect(model(m, 'Key')).toMatchObject({
      properties: [
        { wireName: 'label', type: { kind: 'primitive', type: 'string' } },
        { wireName: 'n', type: { kind: 'primitive', type: 'integer' } },
      ],
    });
    expect(m.models.map((x) => x.name)).toEqual(['Key']);
  });

  describe('errors name the place', () => {
    it('reports a missing $ref with its location', async () => {
      const doc = openApi3({ paths: { '/pets': { get: { responses: { '200': { $ref: '#/components/schemas/Nope' } } } } } });
      await expect(load(doc)).rejects.toThrow(new SdkGenerationError('$ref "#/components/schemas/Nope" not found', 'paths./pets.get.responses.200'));
      await expect(load(doc)).rejects.toThrow('paths./pets.get.responses.200: $ref "#/components/schemas/Nope" not found');
    });

    it('refuses external references instead of reading files or URLs', async () => {
      const doc = openApi3({ paths: { '/pets': getOperation('list', { $ref: 'https://evil.example/schema.json' }) } });
      await expect(load(doc)).rejects.toThrow(/paths\.\/pets\.get\.responses\.200\.content\.application\/json\.schema: \$ref "https:\/\/evil\.example\/schema\.json" is external/);
    });

    it('reports schema violations from the validator', async () => {
      const doc = openApi3({ paths: { '/pets': { get: { responses: {} } } } });
      await expect(load(doc)).rejects.toThrow(/api\.json: invalid OpenAPI document: .*paths\/~1pets\/get\/responses/s);
    });

    it('reports YAML syntax errors with line and column', async () => {
      await expect(loadApiModel({ source: 'openapi: 3.0.0\ninfo: [unclosed\n', filename: 'bad.yaml' })).rejects.toThrow(/^bad\.yaml:\d+:\d+: invalid YAML/);
    });

    it('rejects documents that are not OpenAPI or Swagger', async () => {
      await expect(loadApiModel({ source: '{"hello": "world"}', filename: 'x.json' })).rejects.toThrow(/x\.json: unsupported document/);
    });
  });
});
