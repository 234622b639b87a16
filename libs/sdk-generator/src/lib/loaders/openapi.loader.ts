import validateSchema from '@apidevtools/swagger-parser/lib/validators/schema';
import validateSpec from '@apidevtools/swagger-parser/lib/validators/spec';
import type {
  ApiModel,
  BodyEncoding,
  NamedModel,
  ObjectModel,
  Operation,
  OperationBody,
  OperationParameter,
  OperationResponse,
  ParameterLocation,
  SecurityScheme,
  TypeRef,
} from '../api-model';
import { camelCase, pascalCase, UniqueNamer } from '../names';
import { SdkGenerationError } from '../sdk-generation.error';
import { placeOf, pointerSegments, resolvePointer } from './json-pointer';

type Obj = Record<string, any>;
type Path = (string | number)[];

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const ANY: TypeRef = { kind: 'primitive', type: 'any' };
// Keys whose values are user data, not spec structure: a `$ref` string inside them is not a reference.
const DATA_KEYS = new Set(['example', 'examples', 'enum', 'default', 'const', 'x-examples']);

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks that every `$ref` is local and points at something, naming the place when it does not. */
export function checkReferences(doc: unknown): void {
  const walk = (node: unknown, path: Path): void => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, [...path, i]));
      return;
    }
    if (!isObj(node)) return;
    const ref = node['$ref'];
    if (typeof ref === 'string') {
      if (!ref.startsWith('#')) {
        throw new SdkGenerationError(`$ref "${ref}" is external; only local references (#/...) are supported`, placeOf(path));
      }
      if (resolvePointer(doc, ref) === undefined) {
        throw new SdkGenerationError(`$ref "${ref}" not found`, placeOf(path));
      }
    }
    for (const [k, v] of Object.entries(node)) {
      if (DATA_KEYS.has(k) || k.startsWith('x-')) continue;
      walk(v, [...path, k]);
    }
  };
  walk(doc, []);
}

/**
 * A copy with local `$ref`s replaced by their targets (shared, not copied); a reference back into its
 * own expansion stays a `$ref`, so the result is finite. Only needed for swagger-parser's 2.0 checks.
 */
function dereferenceLocal(doc: Obj): Obj {
  const done = new Map<string, unknown>();
  const active = new Set<string>();
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!isObj(node)) return node;
    const ref = node['$ref'];
    if (typeof ref === 'string') {
      if (done.has(ref)) return done.get(ref);
      if (active.has(ref)) return node;
      active.add(ref);
      const out = visit(resolvePointer(doc, ref));
      active.delete(ref);
      done.set(ref, out);
      return out;
    }
    const out: Obj = {};
    for (const [k, v] of Object.entries(node)) out[k] = DATA_KEYS.has(k) || k.startsWith('x-') ? v : visit(v);
    return out;
  };
  return visit(doc) as Obj;
}

/**
 * Validates with swagger-parser's validators: the document against the official OpenAPI/Swagger JSON
 * schema, then (Swagger 2.0) its semantic rules. Its resolver is not used: it is ESM-only, would fully
 * dereference (we keep named schemas named), and must never read files or URLs anyway.
 */
function validateDocument(doc: Obj, filename: string): void {
  try {
    validateSchema(doc);
    if (doc['swagger']) validateSpec(dereferenceLocal(doc));
  } catch (e) {
    const msg = (e as Error).message.replace(/\s+$/, '');
    throw new SdkGenerationError(`invalid ${doc['swagger'] ? 'Swagger' : 'OpenAPI'} document: ${msg}`, filename);
  }
}

export async function loadOpenApiModel(doc: unknown, filename = 'openapi'): Promise<ApiModel> {
  if (!isObj(doc)) throw new SdkGenerationError('document is not an object', filename);
  const version = String(doc['openapi'] ?? doc['swagger'] ?? '');
  if (!/^(2\.0|3\.[01]\.\d+)/.test(version)) {
    throw new SdkGenerationError(
      `unsupported document: expected "openapi: 3.0.x|3.1.x" or "swagger: 2.0", got ${version ? `"${version}"` : 'neither'}`,
      filename,
    );
  }
  checkReferences(doc);
  validateDocument(doc, filename);
  return new OpenApiConverter(doc).convert();
}

class OpenApiConverter {
  private readonly swagger2: boolean;
  private readonly models = new Map<string, NamedModel>();
  private readonly refNames = new Map<string, string>();
  private readonly inlineTypes = new Map<object, TypeRef>();
  private readonly typeNamer = new UniqueNamer();

  constructor(private readonly doc: Obj) {
    this.swagger2 = String(doc['swagger'] ?? '').startsWith('2');
  }

  convert(): ApiModel {
    const schemasPath = this.swagger2 ? ['definitions'] : ['components', 'schemas'];
    const named = (resolvePointer(this.doc, '#/' + schemasPath.join('/')) ?? {}) as Obj;
    const keys = Object.keys(named).sort();
    // Named schemas claim their names first so hoisted inline types never take them.
    for (const key of keys) this.refNames.set(this.schemaRef(schemasPath, key), this.typeNamer.claim(pascalCase(key) || 'Model'));
    for (const key of keys) {
      const ref = this.schemaRef(schemasPath, key);
      this.buildNamed(this.refNames.get(ref)!, named[key], [...schemasPath, key]);
    }
    for (const [ref, name] of this.refNames) {
      const m = this.models.get(name);
      if (m) m.ref = ref;
    }
    const securitySchemes = this.securitySchemes();
    const operations = this.operations(new Set(securitySchemes.map((s) => s.name)));
    const info = isObj(this.doc['info']) ? this.doc['info'] : {};
    return {
      source: 'openapi',
      title: String(info['title'] ?? 'API'),
      version: String(info['version'] ?? '0.0.0'),
      description: typeof info['description'] === 'string' ? info['description'] : undefined,
      baseUrl: this.baseUrl(),
      models: [...this.models.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      operations: operations.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      services: [],
      securitySchemes,
    };
  }

  private schemaRef(prefix: string[], key: string): string {
    return '#/' + [...prefix, key].map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  }

  private baseUrl(): string {
    if (this.swagger2) {
      const host = this.doc['host'];
      const basePath = typeof this.doc['basePath'] === 'string' ? this.doc['basePath'] : '';
      if (typeof host !== 'string' || !host) return basePath;
      const schemes: string[] = Array.isArray(this.doc['schemes']) ? this.doc['schemes'] : [];
      const scheme = schemes.includes('https') ? 'https' : (schemes[0] ?? 'https');
      return `${scheme}://${host}${basePath}`;
    }
    const server = Array.isArray(this.doc['servers']) ? this.doc['servers'][0] : undefined;
    if (!isObj(server) || typeof server['url'] !== 'string') return '';
    const vars: Obj = isObj(server['variables']) ? server['variables'] : {};
    return server['url'].replace(/\{([^}]+)\}/g, (m: string, v: string) =>
      isObj(vars[v]) && vars[v]['default'] !== undefined ? String(vars[v]['default']) : m,
    );
  }

  private deref(node: unknown, path: Path, seen = new Set<string>()): Obj {
    if (isObj(node) && typeof node['$ref'] === 'string') {
      const ref = node['$ref'];
      if (seen.has(ref)) throw new SdkGenerationError(`$ref "${ref}" refers to itself`, placeOf(path));
      seen.add(ref);
      return this.deref(resolvePointer(this.doc, ref), path, seen);
    }
    return isObj(node) ? node : {};
  }

  // ---- schemas -------------------------------------------------------------------------------

  private refType(ref: string): TypeRef {
    let name = this.refNames.get(ref);
    if (!name) {
      // A reference to something other than a named schema still gets a name, so cycles stay finite.
      const segs = pointerSegments(ref).filter((s) => !['components', 'schemas', 'definitions', 'properties', 'content', 'paths'].includes(s));
      name = this.typeNamer.claim(pascalCase(segs.slice(-3).join(' ')) || 'Model');
      this.refNames.set(ref, name);
      this.buildNamed(name, resolvePointer(this.doc, ref), pointerSegments(ref));
    }
    return { kind: 'ref', name };
  }

  /** Builds the named model for a schema (object, enum, union, or an alias for anything else). */
  private buildNamed(name: string, schema: unknown, path: Path): void {
    const s = isObj(schema) ? schema : {};
    const description = typeof s['description'] === 'string' ? s['description'] : undefined;
    const shape = this.shapeOf(s);
    // Register before descending, so references back to this schema find it.
    if (shape === 'object') {
      const model: ObjectModel = { kind: 'object', name, description, properties: [] };
      this.models.set(name, model);
      this.fillObject(model, s, path);
      return;
    }
    if (shape === 'enum') {
      const e = this.enumOf(s)!;
      this.models.set(name, { kind: 'enum', name, description, valueType: e.valueType, values: e.values });
      return;
    }
    if (shape === 'union') {
      const model: NamedModel = { kind: 'union', name, description, variants: [] };
      this.models.set(name, model);
      const u = this.unionOf(s, name, path);
      model.variants = u.variants;
      if (u.discriminator) model.discriminator = u.discriminator;
      return;
    }
    const alias: NamedModel = { kind: 'alias', name, description, type: ANY };
    this.models.set(name, alias);
    alias.type = this.toType(s, name, path);
  }

  private nullableOf(s: Obj): boolean {
    if (s['nullable'] === true || s['x-nullable'] === true) return true;
    if (Array.isArray(s['type']) && s['type'].includes('null')) return true;
    if (Array.isArray(s['enum']) && s['enum'].includes(null)) return true;
    return false;
  }

  private typesOf(s: Obj): string[] {
    if (Array.isArray(s['type'])) return s['type'].filter((t: unknown) => typeof t === 'string' && t !== 'null');
    return typeof s['type'] === 'string' && s['type'] !== 'null' ? [s['type']] : [];
  }

  private enumOf(s: Obj): { valueType: 'string' | 'integer'; values: (string | number)[] } | undefined {
    const raw: unknown[] | undefined = Array.isArray(s['enum']) ? s['enum'] : s['const'] !== undefined ? [s['const']] : undefined;
    if (!raw) return undefined;
    const values = [...new Set(raw.filter((v) => v !== null))] as unknown[];
    if (values.length === 0) return undefined;
    if (values.every((v) => typeof v === 'string')) return { valueType: 'string', values: values as string[] };
    if (values.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) return { valueType: 'integer', values: values as number[] };
    return undefined;
  }

  private unionMembers(s: Obj): Obj[] | undefined {
    const list = Array.isArray(s['oneOf']) ? s['oneOf'] : Array.isArray(s['anyOf']) ? s['anyOf'] : undefined;
    if (!list) return undefined;
    const members = list.filter(isObj).filter((m: Obj) => !(m['type'] === 'null' && !m['$ref']));
    // Members that only add constraints (`required: [...]`) do not change the shape.
    const shaped = members.filter((m: Obj) =>
      ['$ref', 'type', 'properties', 'items', 'enum', 'const', 'allOf', 'oneOf', 'anyOf', 'additionalProperties'].some((k) => k in m),
    );
    return shaped.length > 0 ? shaped : undefined;
  }

  private shapeOf(s: Obj): 'object' | 'enum' | 'union' | 'other' {
    if (typeof s['$ref'] === 'string') return 'other';
    if (this.enumOf(s)) return 'enum';
    const members = this.unionMembers(s);
    if (members && members.length > 1) return 'union';
    if (Array.isArray(s['allOf']) && s['allOf'].length > 0) {
      const onlyOne = s['allOf'].length === 1 && !s['properties'] && !members;
      // allOf of scalars (`[{type: string}, {minLength: 1}]`) constrains a scalar; it is no object.
      return onlyOne || this.scalarAllOf(s) ? 'other' : 'object';
    }
    if (members) return 'other';
    const types = this.typesOf(s);
    if (types.length > 1) return 'union';
    if (types[0] === 'object' || (types.length === 0 && isObj(s['properties']))) {
      // A bare map (`additionalProperties` only) stays a map type.
      return isObj(s['properties']) && Object.keys(s['properties']).length > 0 ? 'object' : 'other';
    }
    return 'other';
  }

  /** allOf whose members (and the schema itself) describe no object: only scalar types and constraints. */
  private scalarAllOf(s: Obj): boolean {
    if (s['properties'] || this.typesOf(s).includes('object')) return false;
    const members = (s['allOf'] as unknown[]).map((m, i) => this.deref(m, ['allOf', i]));
    const scalar = (m: Obj) => !m['properties'] && !m['allOf'] && !m['oneOf'] && !m['anyOf'] && !this.typesOf(m).some((t) => t === 'object' || t === 'array');
    return members.every(scalar) && members.some((m) => this.typesOf(m).length > 0);
  }

  /** The type of a schema; complex inline schemas become named models called after `hint`. */
  private toType(schema: unknown, hint: string, path: Path): TypeRef {
    if (!isObj(schema)) return ANY;
    const nullable = this.nullableOf(schema);
    const inner = this.toTypeInner(schema, hint, path);
    return nullable && inner.kind !== 'nullable' && !(inner.kind === 'primitive' && inner.type === 'any')
      ? { kind: 'nullable', inner }
      : inner;
  }

  private toTypeInner(s: Obj, hint: string, path: Path): TypeRef {
    if (typeof s['$ref'] === 'string') return this.refType(s['$ref']);
    const shape = this.shapeOf(s);
    if (shape !== 'other') {
      const cached = this.inlineTypes.get(s);
      if (cached) return cached;
      const name = this.typeNamer.claim(pascalCase(hint) || 'Model');
      const ref: TypeRef = { kind: 'ref', name };
      this.inlineTypes.set(s, ref);
      this.buildNamed(name, s, path);
      return ref;
    }
    if (Array.isArray(s['allOf']) && s['allOf'].length === 1) return this.toType(s['allOf'][0], hint, [...path, 'allOf', 0]);
    if (Array.isArray(s['allOf']) && this.scalarAllOf(s)) {
      // Merge the members' keywords (types agree or the document is unsatisfiable anyway).
      const { allOf, ...own } = s;
      const merged = Object.assign({}, ...(allOf as unknown[]).map((m, i) => this.deref(m, [...path, 'allOf', i])), own);
      return this.toType(merged, hint, path);
    }
    const members = this.unionMembers(s);
    if (members) return this.toType(members[0], hint, [...path, Array.isArray(s['oneOf']) ? 'oneOf' : 'anyOf', 0]);
    const types = this.typesOf(s);
    const type = types[0] ?? (s['items'] ? 'array' : s['additionalProperties'] !== undefined ? 'object' : undefined);
    switch (type) {
      case 'array':
        return { kind: 'array', items: this.toType(s['items'], `${hint} item`, [...path, 'items']) };
      case 'object': {
        const ap = s['additionalProperties'];
        if (isObj(ap)) return { kind: 'map', values: this.toType(ap, `${hint} value`, [...path, 'additionalProperties']) };
        return { kind: 'map', values: ANY };
      }
      case 'string':
        if (s['format'] === 'binary') return { kind: 'primitive', type: 'binary', format: 'binary' };
        return typeof s['format'] === 'string' ? { kind: 'primitive', type: 'string', format: s['format'] } : { kind: 'primitive', type: 'string' };
      case 'file':
        return { kind: 'primitive', type: 'binary', format: 'binary' };
      case 'integer':
      case 'number':
      case 'boolean':
        return { kind: 'primitive', type };
      default:
        return ANY;
    }
  }

  /** Gathers properties through `allOf` (and the `$ref`s inside it) into one flat object. */
  private fillObject(model: ObjectModel, s: Obj, path: Path): void {
    const props = new Map<string, { schema: unknown; path: Path }>();
    const required = new Set<string>();
    let additional: { schema: unknown; path: Path } | undefined;
    const collect = (node: Obj, p: Path, seen: Set<string>): void => {
      if (typeof node['$ref'] === 'string') {
        if (seen.has(node['$ref'])) return;
        seen.add(node['$ref']);
        collect(isObj(resolvePointer(this.doc, node['$ref'])) ? resolvePointer(this.doc, node['$ref']) as Obj : {}, pointerSegments(node['$ref']), seen);
        return;
      }
      if (Array.isArray(node['allOf'])) node['allOf'].forEach((m: unknown, i: number) => isObj(m) && collect(m, [...p, 'allOf', i], seen));
      if (isObj(node['properties'])) {
        for (const [k, v] of Object.entries(node['properties'])) props.set(k, { schema: v, path: [...p, 'properties', k] });
      }
      if (Array.isArray(node['required'])) node['required'].forEach((r: unknown) => typeof r === 'string' && required.add(r));
      if (isObj(node['additionalProperties'])) additional = { schema: node['additionalProperties'], path: [...p, 'additionalProperties'] };
    };
    collect(s, path, new Set());
    for (const [wireName, { schema, path: p }] of props) {
      const ps = isObj(schema) ? schema : {};
      model.properties.push({
        wireName,
        type: this.toType(ps, `${model.name} ${wireName}`, p),
        required: required.has(wireName),
        description: typeof ps['description'] === 'string' ? ps['description'] : undefined,
        deprecated: ps['deprecated'] === true ? true : undefined,
      });
    }
    if (additional) model.additionalProperties = this.toType(additional.schema, `${model.name} value`, additional.path);
  }

  private unionOf(s: Obj, name: string, path: Path): { variants: TypeRef[]; discriminator?: string } {
    const members = this.unionMembers(s);
    const variants: TypeRef[] = [];
    const push = (t: TypeRef) => {
      if (!variants.some((v) => JSON.stringify(v) === JSON.stringify(t))) variants.push(t);
    };
    if (members) {
      const key = Array.isArray(s['oneOf']) ? 'oneOf' : 'anyOf';
      members.forEach((m, i) => {
        // A member that is an inline object inherits the parent's sibling properties.
        push(this.toType(m, `${name} ${i + 1}`, [...path, key, i]));
      });
    } else {
      for (const t of this.typesOf(s)) push(this.toType({ ...s, type: t, nullable: false }, `${name} ${t}`, path));
    }
    const disc = isObj(s['discriminator']) ? s['discriminator']['propertyName'] : s['discriminator'];
    return { variants, discriminator: typeof disc === 'string' ? disc : undefined };
  }

  // ---- operations ----------------------------------------------------------------------------

  private securitySchemes(): SecurityScheme[] {
    const defs = (this.swagger2 ? this.doc['securityDefinitions'] : this.doc['components']?.['securitySchemes']) ?? {};
    const out: SecurityScheme[] = [];
    for (const name of Object.keys(defs).sort()) {
      const d = this.deref(defs[name], ['components', 'securitySchemes', name]);
      const description = typeof d['description'] === 'string' ? d['description'] : undefined;
      const type = String(d['type'] ?? '');
      const scheme = String(d['scheme'] ?? '').toLowerCase();
      if (type === 'apiKey' && typeof d['name'] === 'string' && ['header', 'query', 'cookie'].includes(d['in'])) {
        out.push({ kind: 'apiKey', name, in: d['in'], paramName: d['name'], description });
      } else if (type === 'basic' || (type === 'http' && scheme === 'basic')) {
        out.push({ kind: 'basic', name, description });
      } else if ((type === 'http' && scheme === 'bearer') || type === 'oauth2' || type === 'openIdConnect') {
        out.push({ kind: 'bearer', name, description });
      }
    }
    return out;
  }

  private operations(schemeNames: Set<string>): Operation[] {
    const paths: Obj = isObj(this.doc['paths']) ? this.doc['paths'] : {};
    const idNamer = new UniqueNamer();
    const ops: Operation[] = [];
    const pending: { path: string; method: string; op: Obj; item: Obj }[] = [];
    for (const p of Object.keys(paths).sort()) {
      const item = this.deref(paths[p], ['paths', p]);
      for (const method of HTTP_METHODS) {
        if (isObj(item[method])) pending.push({ path: p, method, op: item[method], item });
      }
    }
    // Declared operationIds claim their names before generated ones, so adding an operation without an
    // id never renames an existing method.
    // Keyed by entry, not by operation object: a path item `$ref` puts the same object under two paths,
    // and each path is an operation of its own (with its own method name).
    const ids = new Map<(typeof pending)[number], string>();
    for (const entry of pending) {
      const declared = entry.op['operationId'];
      if (typeof declared === 'string' && camelCase(declared)) ids.set(entry, idNamer.claim(camelCase(declared)));
    }
    for (const entry of pending) {
      if (!ids.has(entry)) ids.set(entry, idNamer.claim(camelCase(`${entry.method} ${entry.path.replace(/[{}]/g, ' ')}`) || entry.method));
    }
    for (const entry of pending) {
      const { path, method, op, item } = entry;
      ops.push(this.operation(ids.get(entry)!, path, method, op, item, schemeNames));
    }
    return ops;
  }

  private operation(id: string, path: string, method: string, op: Obj, item: Obj, schemeNames: Set<string>): Operation {
    const place: Path = ['paths', path, method];
    const hint = pascalCase(id);
    const merged = new Map<string, { p: Obj; path: Path }>();
    const addParams = (list: unknown, base: Path) => {
      if (!Array.isArray(list)) return;
      list.forEach((raw, i) => {
        const p = this.deref(raw, [...base, 'parameters', i]);
        if (typeof p['name'] !== 'string' || typeof p['in'] !== 'string') return;
        merged.set(`${p['in']}:${p['name']}`, { p, path: [...base, 'parameters', i] });
      });
    };
    addParams(item['parameters'], ['paths', path]);
    addParams(op['parameters'], place);

    const parameters: OperationParameter[] = [];
    let body: OperationBody | undefined;
    const formParams: { p: Obj; path: Path }[] = [];
    for (const { p, path: pp } of merged.values()) {
      const loc = p['in'] as string;
      if (loc === 'body') {
        body = this.bodyFromSwagger2(p, op, hint, pp);
        continue;
      }
      if (loc === 'formData') {
        formParams.push({ p, path: pp });
        continue;
      }
      if (!['path', 'query', 'header', 'cookie'].includes(loc)) continue;
      let schema: unknown = this.swagger2 ? p : p['schema'];
      if (!schema && isObj(p['content'])) schema = Object.values(p['content']).find(isObj)?.['schema'];
      parameters.push({
        wireName: p['name'],
        in: loc as ParameterLocation,
        type: this.toType(schema, `${hint} ${p['name']}`, [...pp, this.swagger2 ? '' : 'schema'].filter(Boolean)),
        required: loc === 'path' || p['required'] === true,
        description: typeof p['description'] === 'string' ? p['description'] : undefined,
        explode: this.swagger2 ? p['collectionFormat'] === 'multi' : p['explode'] !== false,
      });
    }
    if (formParams.length > 0) body = this.formBodyFromSwagger2(formParams, op, hint, place);
    if (!this.swagger2 && op['requestBody'] !== undefined) {
      const rb = this.deref(op['requestBody'], [...place, 'requestBody']);
      const picked = this.pickContent(rb['content']);
      if (picked) {
        body = {
          contentType: picked.contentType,
          encoding: picked.encoding,
          type: this.bodyType(picked.encoding, picked.schema, `${hint} request`, [...place, 'requestBody', 'content', picked.contentType, 'schema']),
          required: rb['required'] === true,
          description: typeof rb['description'] === 'string' ? rb['description'] : undefined,
        };
      }
    }

    const responses: Obj = isObj(op['responses']) ? op['responses'] : {};
    const statuses = Object.keys(responses).sort();
    const successStatus = statuses.find((s) => /^2/.test(s));
    let success: OperationResponse | undefined;
    const errors: OperationResponse[] = [];
    for (const status of statuses) {
      const isSuccess = status === successStatus;
      if (/^2/.test(status) && !isSuccess) continue;
      const r = this.response(status, responses[status], op, `${hint} ${isSuccess ? 'response' : `error ${status}`}`, [...place, 'responses', status]);
      if (isSuccess) success = r;
      else errors.push(r);
    }

    const requirements: unknown = op['security'] ?? this.doc['security'] ?? [];
    const security = new Set<string>();
    if (Array.isArray(requirements)) {
      for (const req of requirements) if (isObj(req)) Object.keys(req).forEach((k) => schemeNames.has(k) && security.add(k));
    }
    return {
      id,
      method: method.toUpperCase(),
      path,
      summary: typeof op['summary'] === 'string' ? op['summary'] : undefined,
      description: typeof op['description'] === 'string' ? op['description'] : undefined,
      deprecated: op['deprecated'] === true ? true : undefined,
      tags: Array.isArray(op['tags']) ? op['tags'].filter((t: unknown) => typeof t === 'string') : [],
      parameters,
      body,
      success,
      errors,
      security: [...security].sort(),
    };
  }

  private encodingOf(contentType: string): BodyEncoding {
    const ct = contentType.toLowerCase();
    if (ct === 'application/json' || /\+json$/.test(ct) || /^application\/.*json/.test(ct) || ct === '*/*') return 'json';
    if (ct === 'application/x-www-form-urlencoded') return 'form';
    if (ct.startsWith('multipart/')) return 'multipart';
    if (ct.startsWith('text/') || ct === 'application/xml') return 'text';
    return 'binary';
  }

  private pickContent(content: unknown): { contentType: string; encoding: BodyEncoding; schema: unknown } | undefined {
    if (!isObj(content)) return undefined;
    const types = Object.keys(content);
    if (types.length === 0) return undefined;
    const rank: Record<BodyEncoding, number> = { json: 0, form: 1, multipart: 2, text: 3, binary: 4 };
    const best = [...types].sort((a, b) => rank[this.encodingOf(a)] - rank[this.encodingOf(b)] || (a < b ? -1 : a > b ? 1 : 0))[0];
    const media = isObj(content[best]) ? content[best] : {};
    return { contentType: best === '*/*' ? 'application/json' : best, encoding: this.encodingOf(best), schema: media['schema'] };
  }

  private bodyType(encoding: BodyEncoding, schema: unknown, hint: string, path: Path): TypeRef {
    if (encoding === 'text') return { kind: 'primitive', type: 'string' };
    if (encoding === 'binary') return { kind: 'primitive', type: 'binary' };
    return this.toType(schema, hint, path);
  }

  private mediaTypes(op: Obj, key: 'consumes' | 'produces'): string[] {
    const list = op[key] ?? this.doc[key];
    return Array.isArray(list) ? list.filter((x: unknown) => typeof x === 'string') : [];
  }

  private bodyFromSwagger2(p: Obj, op: Obj, hint: string, path: Path): OperationBody {
    const consumes = this.mediaTypes(op, 'consumes');
    const contentType = consumes.find((c) => this.encodingOf(c) === 'json') ?? consumes[0] ?? 'application/json';
    const encoding = this.encodingOf(contentType);
    return {
      contentType,
      encoding,
      type: this.bodyType(encoding, p['schema'], `${hint} request`, [...path, 'schema']),
      required: p['required'] === true,
      description: typeof p['description'] === 'string' ? p['description'] : undefined,
    };
  }

  private formBodyFromSwagger2(params: { p: Obj; path: Path }[], op: Obj, hint: string, path: Path): OperationBody {
    const consumes = this.mediaTypes(op, 'consumes');
    const multipart = consumes.some((c) => c.startsWith('multipart/')) || params.some(({ p }) => p['type'] === 'file');
    const schema: Obj = { type: 'object', properties: {}, required: [] };
    for (const { p } of params) {
      const { name, in: _in, required, description, ...rest } = p;
      schema['properties'][name] = { ...rest, ...(typeof description === 'string' ? { description } : {}) };
      if (required === true) schema['required'].push(name);
    }
    return {
      contentType: multipart ? 'multipart/form-data' : 'application/x-www-form-urlencoded',
      encoding: multipart ? 'multipart' : 'form',
      type: this.toType(schema, `${hint} request`, [...path, 'parameters']),
      required: params.some(({ p }) => p['required'] === true),
    };
  }

  private response(status: string, raw: unknown, op: Obj, hint: string, path: Path): OperationResponse {
    const r = this.deref(raw, path);
    const description = typeof r['description'] === 'string' ? r['description'] : undefined;
    if (this.swagger2) {
      if (r['schema'] === undefined) return { status, description };
      const produces = this.mediaTypes(op, 'produces');
      const contentType = produces.find((c) => this.encodingOf(c) === 'json') ?? produces[0] ?? 'application/json';
      const encoding = this.encodingOf(contentType);
      return { status, description, contentType, encoding, type: this.bodyType(encoding, r['schema'], hint, [...path, 'schema']) };
    }
    const picked = this.pickContent(r['content']);
    if (!picked) return { status, description };
    if (picked.encoding === 'json' && picked.schema === undefined) {
      return { status, description, contentType: picked.contentType, encoding: 'json', type: ANY };
    }
    return {
      status,
      description,
      contentType: picked.contentType,
      encoding: picked.encoding === 'form' || picked.encoding === 'multipart' ? 'text' : picked.encoding,
      type: this.bodyType(
        picked.encoding === 'form' || picked.encoding === 'multipart' ? 'text' : picked.encoding,
        picked.schema,
        hint,
        [...path, 'content', picked.contentType, 'schema'],
      ),
    };
  }
}
