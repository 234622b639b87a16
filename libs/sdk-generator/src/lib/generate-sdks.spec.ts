import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSdks } from './generate-sdks';
import { pythonNames, rustNames, typescriptNames } from './names';
import { pythonModuleNames, rustModuleNames, typescriptModuleNames } from '../testing/module-names';
import { SdkGenerationError } from './sdk-generation.error';
import { asSource, getOperation, openApi3, ref } from '../testing/spec-builders';

const ALL = ['typescript', 'python', 'rust'] as const;
const file = (files: { path: string; content: string }[], path: string) => {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} in ${files.map((x) => x.path).join(', ')}`);
  return f.content;
};

describe('generateSdks', () => {
  const petstore = openApi3({
    schemas: { Pet: { type: 'object', required: ['name'], properties: { id: { type: 'integer' }, name: { type: 'string' } } } },
    paths: { '/pets/{petId}': getOperation('getPet', ref('Pet'), { parameters: [{ name: 'petId', in: 'path', required: true, schema: { type: 'integer' } }] }) },
  });

  it('emits a complete package per language and a summary', async () => {
    const { files, summary } = await generateSdks({ source: asSource(petstore), languages: [...ALL] });
    expect(files.map((f) => f.path)).toEqual([
      'python/README.md',
      'python/pyproject.toml',
      'python/test_api/__init__.py',
      'python/test_api/client.py',
      'python/test_api/models.py',
      'python/test_api/py.typed',
      'rust/Cargo.toml',
      'rust/README.md',
      'rust/src/client.rs',
      'rust/src/lib.rs',
      'rust/src/models.rs',
      'typescript/README.md',
      'typescript/package.json',
      'typescript/src/client.ts',
      'typescript/src/index.ts',
      'typescript/src/models.ts',
      'typescript/tsconfig.json',
    ]);
    expect(summary).toEqual({
      title: 'Test API',
      version: '1.2.3',
      operations: 1,
      models: 1,
      services: 1,
      languages: { python: { files: 6, status: 'ok' }, rust: { files: 5, status: 'ok' }, typescript: { files: 6, status: 'ok' } },
    });
    expect(file(files, 'typescript/src/client.ts')).toContain('async getPet(params: GetPetParams, init?: RequestOptions): Promise<M.Pet>');
    expect(file(files, 'python/test_api/client.py')).toContain('def get_pet(self, *, pet_id: int) -> _m.Pet:');
    expect(file(files, 'rust/src/client.rs')).toContain('pub fn get_pet(&self, pet_id: i64) -> Result<Pet, Error>');
    expect(JSON.parse(file(files, 'typescript/package.json'))).toMatchObject({ name: 'test-api', version: '1.2.3' });
    expect(file(files, 'rust/Cargo.toml')).toContain('name = "test-api"');
  });

  it('is deterministic: same input, byte-identical files; key order of the input does not matter', async () => {
    const a = await generateSdks({ source: asSource(petstore), languages: [...ALL] });
    const b = await generateSdks({ source: asSource(petstore), languages: ['rust', 'python', 'typescript'] });
    expect(b.files).toEqual(a.files);
    const reordered = { ...petstore, paths: { ...(petstore['paths'] as object) }, components: petstore['components'], info: petstore['info'], openapi: petstore['openapi'] };
    const c = await generateSdks({ source: asSource(reordered), languages: [...ALL] });
    expect(c.files).toEqual(a.files);
  });

  it('escapes reserved words and sanitizes odd names in every language', async () => {
    const doc = openApi3({
      schemas: {
        Self: { type: 'object', properties: { type: { type: 'string' }, class: { type: 'string' }, 'foo-bar': { type: 'string' }, $ref: { type: 'string' }, '123abc': { type: 'integer' }, 名前: { type: 'string' } } },
        None: { type: 'string', enum: ['a'] },
      },
      paths: { '/x': getOperation('import', ref('Self'), { parameters: [{ name: 'from', in: 'query', schema: { type: 'string' } }] }) },
    });
    const { files } = await generateSdks({ source: asSource(doc), languages: [...ALL] });
    const rust = file(files, 'rust/src/models.rs');
    expect(rust).toContain('pub struct SelfModel {');
    expect(rust).toContain('#[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]\n    pub type_: Option<String>,');
    expect(rust).toContain('#[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]\n    pub ref_: Option<String>,');
    expect(rust).toContain('pub _123abc: Option<i64>,');
    expect(rust).toMatch(/rename = "名前"[^\n]*\n\s+pub u540d_u524d: Option<String>/);
    // `import` and `from` are not Rust keywords, so they stay as they are there.
    expect(file(files, 'rust/src/client.rs')).toContain('pub fn import(&self, from: Option<&str>) -> Result<SelfModel, Error>');
    const py = file(files, 'python/test_api/models.py');
    expect(py).toContain('NoneModel: _t.TypeAlias = _t.Literal["a"]');
    expect(py).toContain('"class": _t.NotRequired[str],');
    expect(file(files, 'python/test_api/client.py')).toContain('def import_(self, *, from_: _t.Optional[str] = None) -> _m.Self:');
    const ts = file(files, 'typescript/src/models.ts');
    expect(ts).toContain('"foo-bar"?: string;');
    expect(ts).toContain('  $ref?: string;');
    expect(ts).toContain('"123abc"?: number;');
    expect(file(files, 'typescript/src/client.ts')).toContain('async import_(params: ImportParams = {}, init?: RequestOptions): Promise<M.Self>');
  });

  it('keeps names collision-free', async () => {
    const doc = openApi3({
      schemas: {
        'pet-item': { type: 'object', properties: { a: { type: 'string' } } },
        PetItem: { type: 'object', properties: { b: { type: 'string' } } },
        ApiError: { type: 'object', properties: { c: { type: 'string' } } },
      },
      paths: {
        '/a': getOperation('list_pets', ref('PetItem')),
        '/b': getOperation('listPets', ref('pet-item')),
      },
    });
    const { files } = await generateSdks({ source: asSource(doc), languages: [...ALL] });
    const ts = file(files, 'typescript/src/models.ts');
    // Names are claimed in sorted key order, so `PetItem` keeps its name and `pet-item` is numbered.
    expect(ts).toContain('export interface PetItem {\n  b?: string;');
    expect(ts).toContain('export interface PetItem2 {\n  a?: string;');
    // A model may not shadow the runtime's error class.
    expect(ts).toContain('export interface ApiError2 {');
    const client = file(files, 'typescript/src/client.ts');
    expect(client).toContain('async listPets(init?: RequestOptions): Promise<M.PetItem>');
    expect(client).toContain('async listPets2(init?: RequestOptions): Promise<M.PetItem2>');
    const py = file(files, 'python/test_api/client.py');
    expect(py).toContain('def list_pets(self) -> _m.PetItem:');
    expect(py).toContain('def list_pets2(self) -> _m.PetItem2:');
    expect(file(files, 'rust/src/client.rs')).toContain('pub fn list_pets2(&self) -> Result<PetItem2, Error>');
  });

  it('turns an invalid spec into a clear SdkGenerationError', async () => {
    const broken = openApi3({ paths: { '/pets': { get: { responses: { '200': { $ref: '#/components/schemas/Nope' } } } } } });
    const err = await generateSdks({ source: asSource(broken), languages: ['typescript'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SdkGenerationError);
    expect((err as SdkGenerationError).message).toBe('paths./pets.get.responses.200: $ref "#/components/schemas/Nope" not found');
    expect((err as SdkGenerationError).place).toBe('paths./pets.get.responses.200');
  });

  it('handles APIs with thousands of operations (the client used to overflow the call stack)', async () => {
    const paths: Record<string, unknown> = {};
    for (let i = 0; i < 8000; i++) paths[`/items${i}`] = getOperation(`getItem${i}`, { type: 'string' });
    const { files } = await generateSdks({ source: asSource(openApi3({ paths })), languages: ['typescript'] });
    expect(file(files, 'typescript/src/client.ts')).toContain('async getItem7999(init?: RequestOptions): Promise<string> {');
  }, 30_000);

  it('rejects unknown languages', async () => {
    await expect(generateSdks({ source: asSource(petstore), languages: ['cobol' as 'rust'] })).rejects.toThrow('languages: unsupported language(s) "cobol"');
  });
});

describe('generateSdks from Protobuf', () => {
  const proto = [
    'syntax = "proto3";',
    'package demo.v1;',
    'message HelloRequest { string user_name = 1; }',
    'message HelloReply { string message = 1; int64 count = 2; }',
    'service Greeter { rpc SayHello(HelloRequest) returns (HelloReply); }',
  ].join('\n');

  it('emits each service as a typed interface with a JSON-over-HTTP client in every language', async () => {
    const { files, summary } = await generateSdks({ source: proto, filename: 'greeter.proto', languages: [...ALL] });
    expect(summary).toMatchObject({ title: 'demo.v1', operations: 1, models: 2, services: 1 });
    const ts = file(files, 'typescript/src/client.ts');
    expect(ts).toContain('export interface GreeterService {\n  sayHello(request: M.HelloRequest, init?: RequestOptions): Promise<M.HelloReply>;\n}');
    expect(ts).toContain('export class GreeterClient extends BaseClient implements GreeterService {');
    expect(ts).toContain('path: "/demo.v1.Greeter/SayHello"');
    expect(file(files, 'typescript/src/models.ts')).toContain('export interface HelloRequest {\n  userName?: string;\n}');
    const py = file(files, 'python/demo_v1/client.py');
    expect(py).toContain('class GreeterProtocol(_t.Protocol):');
    expect(py).toContain('    def say_hello(self, request: _m.HelloRequest) -> _m.HelloReply:');
    expect(py).toContain('class GreeterClient(_BaseClient):');
    const rs = file(files, 'rust/src/client.rs');
    expect(rs).toContain('pub trait Greeter {\n    fn say_hello(&self, request: &HelloRequest) -> Result<HelloReply, Error>;\n}');
    expect(rs).toContain('impl Greeter for GreeterClient {');
    // int64 is a string in proto3 JSON.
    expect(file(files, 'rust/src/models.rs')).toContain('pub count: Option<String>,');
  });
});

describe('runtime names are protected (the naming layer knows every name the generated modules bind)', () => {
  const hostile = readFileSync(join(__dirname, '../fixtures/openapi/hostile-names.yaml'), 'utf8');
  const secured = openApi3({
    schemas: { Pet: { type: 'object', properties: { id: { type: 'integer' } } } },
    paths: { '/pets/{petId}': getOperation('getPet', ref('Pet'), { parameters: [{ name: 'petId', in: 'path', required: true, schema: { type: 'integer' } }], security: [{ key: [] }] }) },
    extra: { components: { schemas: { Pet: { type: 'object', properties: { id: { type: 'integer' } } } }, securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-Key' } } } },
  });

  it.each([
    ['typescript', 'typescript/src/client.ts', typescriptModuleNames, typescriptNames.runtime, ['GetPetError', 'GetPetParams', 'TestApiClient']],
    ['typescript', 'typescript/src/models.ts', typescriptModuleNames, typescriptNames.runtime, ['Pet']],
    ['python', 'python/test_api/client.py', pythonModuleNames, pythonNames.runtime, ['TestApiClient']],
    ['python', 'python/test_api/models.py', pythonModuleNames, pythonNames.runtime, ['Pet']],
    ['python', 'python/test_api/__init__.py', pythonModuleNames, pythonNames.runtime, ['TestApiClient']],
    ['rust', 'rust/src/client.rs', rustModuleNames, rustNames.runtime, ['TestApiClient']],
    ['rust', 'rust/src/models.rs', rustModuleNames, rustNames.runtime, ['Pet']],
  ] as const)('%s %s binds only runtime names plus what the API declares', async (lang, path, bound, runtime, apiNames) => {
    const { files } = await generateSdks({ source: asSource(secured), languages: [lang] });
    const unknown = [...bound(file(files, path))].filter((n) => !runtime.includes(n)).sort();
    expect(unknown).toEqual(apiNames);
  });

  it('Rust: a model named like an import or definition of client.rs keeps its own identity', async () => {
    const { files } = await generateSdks({ source: hostile, filename: 'hostile-names.yaml', languages: ['rust'] });
    const client = file(files, 'rust/src/client.rs');
    const models = file(files, 'rust/src/models.rs');
    const declared = [...models.matchAll(/^pub (?:struct|enum|type) (\w+)/gm)].map((m) => m[1]);
    const bound = rustModuleNames(client);
    expect(declared.filter((n) => bound.has(n))).toEqual([]);
    // `Duration` used to resolve to std::time::Duration in client.rs.
    expect(client).toMatch(/pub fn get_duration\([^)]*\) -> Result<Duration2, Error>/);
    expect(models).toContain('pub struct Duration2 {');
    expect(client).toMatch(/pub fn create_call\(&self, body: &Call2\) -> Result<Call2, Error>/);
    expect(client).toMatch(/pub fn list_reads\(&self\) -> Result<Vec<Read2>, Error>/);
    expect(client).toMatch(/pub fn get_owned\(&self\) -> Result<DeserializeOwned2, Error>/);
    // Parameters never shadow the helpers a method body calls.
    expect(client).toMatch(/pub fn get_duration\(&self, id: i64, encode_: Option<&str>/);
  });

  it('Python: descriptions never become mypy type comments or inline configuration', async () => {
    const { files } = await generateSdks({ source: hostile, filename: 'hostile-names.yaml', languages: ['python'] });
    const py = files.filter((f) => f.path.endsWith('.py')).map((f) => f.content).join('\n');
    expect(py).not.toMatch(/^\s*#\s*(type|mypy)\s*:/m);
    expect(py).toContain('# | type: object');
    expect(py).toContain('    # | type: ignore');
    expect(py).toContain('# | mypy: ignore-errors');
    expect(file(files, 'python/sdk_1_forge_hostile_names/client.py')).toContain('def get_duration(self, *, id: int, encode: _t.Optional[str] = None, urllib_: _t.Optional[str] = None');
  });

  it('an API whose title starts with a digit gets valid class, module and crate names', async () => {
    const { files } = await generateSdks({ source: hostile, filename: 'hostile-names.yaml', languages: [...ALL] });
    expect(file(files, 'typescript/src/client.ts')).toContain('export class T1ForgeHostileNamesClient extends BaseClient {');
    expect(file(files, 'python/sdk_1_forge_hostile_names/__init__.py')).toContain('    T1ForgeHostileNamesClient as T1ForgeHostileNamesClient,');
    expect(file(files, 'rust/Cargo.toml')).toContain('name = "sdk-1-forge-hostile-names"');
    expect(file(files, 'rust/src/client.rs')).toContain('pub struct T1ForgeHostileNamesClient {');
    expect(JSON.parse(file(files, 'typescript/package.json')).name).toBe('sdk-1-forge-hostile-names');
    // The title's comment terminator stays inside the comment.
    expect(file(files, 'typescript/src/models.ts').split('\n')[1]).toBe('// 1Forge Hostile */ Names 2.0.0');
  });
});
