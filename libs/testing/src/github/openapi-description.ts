import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * GitHub's published OpenAPI description (api.github.com, OpenAPI 3.0.3), loaded once per process and
 * turned into plain JSON Schema so ajv can validate requests and responses against it. Validators are
 * compiled lazily, one per operation/part, because compiling all ~1,100 operations would take minutes.
 */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head';

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Record<string, unknown>;
  'x-multi-segment'?: boolean;
}

export interface OperationMatch {
  operationId: string;
  /** The path template as the description writes it, e.g. `/repos/{owner}/{repo}/pulls`. */
  template: string;
  method: HttpMethod;
  pathParams: Record<string, string>;
}

export interface SchemaProblem {
  where: string;
  message: string;
}

const DOC_ID = 'gh-openapi';
const METHODS: HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete', 'head'];

interface Route {
  template: string;
  method: HttpMethod;
  operationId: string;
  regex: RegExp;
  names: string[];
  /** More literal segments win over a parameter at the same position (`/pulls/comments` vs `/pulls/{n}`). */
  literalCount: number;
}

/** Converts OpenAPI 3.0's `nullable` (and ignores `discriminator`) so plain JSON Schema validators accept it. */
function toJsonSchema(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(toJsonSchema);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, any>;
  for (const v of Object.values(o)) toJsonSchema(v);
  if (o.nullable === true) {
    delete o.nullable;
    if (typeof o.type === 'string') {
      o.type = [o.type, 'null'];
      if (Array.isArray(o.enum) && !o.enum.includes(null)) o.enum.push(null);
    } else if (o.type === undefined) {
      const rest: Record<string, unknown> = {};
      for (const k of Object.keys(o)) {
        if (k === 'description' || k === 'title') continue;
        rest[k] = o[k];
        delete o[k];
      }
      o.anyOf = [{ type: 'null' }, rest];
    }
  } else if (o.nullable === false) {
    delete o.nullable;
  }
  if (o.discriminator && typeof o.discriminator === 'object' && (o.oneOf || o.anyOf)) delete o.discriminator;
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export class OpenApiDescription {
  readonly doc: Record<string, any>;
  private readonly routes: Route[] = [];
  private readonly ajv: Ajv;
  private readonly coercingAjv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(path: string) {
    this.doc = JSON.parse(readFileSync(path, 'utf8'));
    toJsonSchema(this.doc.components);
    toJsonSchema(this.doc.paths);
    for (const [template, item] of Object.entries<Record<string, any>>(this.doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const names: string[] = [];
        const params = this.parameters(template, method);
        const source = template
          .split('/')
          .map((seg) => {
            const m = /^\{(.+)\}$/.exec(seg);
            if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            names.push(m[1]);
            const multi = params.find((p) => p.name === m[1] && p.in === 'path')?.['x-multi-segment'];
            return multi ? '(.+)' : '([^/]+)';
          })
          .join('/');
        this.routes.push({
          template,
          method,
          operationId: op.operationId,
          regex: new RegExp(`^${source}$`),
          names,
          literalCount: template.split('/').filter((s) => s && !s.startsWith('{')).length,
        });
      }
    }
    this.routes.sort((a, b) => b.literalCount - a.literalCount);
    const makeAjv = (coerceTypes: boolean) => {
      const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, coerceTypes, logger: false });
      addFormats(ajv);
      // GitHub-specific formats carry no checkable rule beyond the type.
      for (const f of ['int64', 'int32', 'double', 'repo.nwo', 'binary', 'uri-template', 'timestamp']) ajv.addFormat(f, true);
      ajv.addSchema(this.doc, DOC_ID);
      return ajv;
    };
    this.ajv = makeAjv(false);
    this.coercingAjv = makeAjv('array' as unknown as boolean);
  }

  /** Finds the operation for a request path (already stripped of the API prefix, not yet decoded). */
  match(method: string, rawPath: string): OperationMatch | { allowedMethods: string[] } | null {
    const m = method.toLowerCase() as HttpMethod;
    const allowed: string[] = [];
    for (const route of this.routes) {
      const r = route.regex.exec(rawPath);
      if (!r) continue;
      if (route.method !== m) {
        allowed.push(route.method.toUpperCase());
        continue;
      }
      const pathParams: Record<string, string> = {};
      route.names.forEach((n, i) => (pathParams[n] = decodeURIComponent(r[i + 1])));
      return { operationId: route.operationId, template: route.template, method: m, pathParams };
    }
    return allowed.length ? { allowedMethods: allowed } : null;
  }

  operation(template: string, method: HttpMethod): Record<string, any> {
    return this.doc.paths[template][method];
  }

  /** The operation's parameters with `$ref`s to components/parameters resolved (path-level ones included). */
  parameters(template: string, method: HttpMethod): (OpenApiParameter & { pointer: string })[] {
    const item = this.doc.paths[template];
    const out: (OpenApiParameter & { pointer: string })[] = [];
    const base = `#/paths/${escapePointer(template)}`;
    const collect = (list: any[] | undefined, where: string) =>
      (list ?? []).forEach((p, i) => {
        if (p.$ref) {
          const name = String(p.$ref).split('/').pop()!;
          out.push({ ...this.doc.components.parameters[name], pointer: `#/components/parameters/${escapePointer(name)}` });
        } else {
          out.push({ ...p, pointer: `${where}/parameters/${i}` });
        }
      });
    collect(item.parameters, base);
    collect(item[method].parameters, `${base}/${method}`);
    return out;
  }

  /** Validates path and query parameters (query values arrive as strings, so these are coerced). */
  validateParams(match: OperationMatch, query: URLSearchParams): { problems: SchemaProblem[]; query: Record<string, unknown> } {
    const params = this.parameters(match.template, match.method);
    const problems: SchemaProblem[] = [];
    const values: Record<string, unknown> = {};
    const queryOut: Record<string, unknown> = {};
    for (const key of new Set(query.keys())) {
      const p = params.find((x) => x.in === 'query' && (x.name === key || `${x.name}[]` === key));
      if (!p) {
        problems.push({ where: `query.${key}`, message: `unknown query parameter "${key}" for ${match.operationId}` });
        continue;
      }
      const all = query.getAll(key);
      const isArray = (p.schema as any)?.type === 'array';
      queryOut[p.name] = isArray ? all : all[all.length - 1];
    }
    Object.assign(values, queryOut);
    Object.assign(values, match.pathParams);
    const checked = params.filter((p) => p.in === 'path' || p.in === 'query');
    const key = `params ${match.method} ${match.template}`;
    let validate = this.validators.get(key);
    if (!validate) {
      const schema = {
        type: 'object',
        properties: Object.fromEntries(checked.map((p) => [p.name, { $ref: `${DOC_ID}${p.pointer}/schema` }])),
        required: checked.filter((p) => p.required).map((p) => p.name),
      };
      validate = this.coercingAjv.compile(schema);
      this.validators.set(key, validate);
    }
    if (!validate(values)) problems.push(...formatErrors('params', validate.errors));
    for (const k of Object.keys(queryOut)) queryOut[k] = values[k];
    for (const k of Object.keys(match.pathParams)) (match.pathParams as Record<string, unknown>)[k] = values[k];
    return { problems, query: queryOut };
  }

  /** Validates a JSON request body; `undefined` body is checked against `requestBody.required`. */
  validateRequestBody(match: OperationMatch, body: unknown): SchemaProblem[] {
    const op = this.operation(match.template, match.method);
    const rb = op.requestBody;
    if (!rb) {
      return body === undefined ? [] : [{ where: 'body', message: `${match.operationId} takes no request body` }];
    }
    if (body === undefined) {
      return rb.required ? [{ where: 'body', message: `${match.operationId} requires a JSON body` }] : [];
    }
    if (!rb.content?.['application/json']) return [];
    const pointer = `#/paths/${escapePointer(match.template)}/${match.method}/requestBody/content/application~1json/schema`;
    return this.validate(`body ${pointer}`, pointer, body, 'body');
  }

  /** Validates a response body against the description of that status code (if it describes JSON). */
  validateResponse(match: OperationMatch, status: number, body: unknown): SchemaProblem[] {
    const op = this.operation(match.template, match.method);
    const resp = op.responses?.[String(status)];
    if (!resp) {
      return [{ where: 'response', message: `${match.operationId} does not describe a ${status} response` }];
    }
    const described = resp.$ref ? this.doc.components.responses[String(resp.$ref).split('/').pop()!] : resp;
    if (!described.content?.['application/json']?.schema) return [];
    const pointer = resp.$ref
      ? `${resp.$ref}/content/application~1json/schema`
      : `#/paths/${escapePointer(match.template)}/${match.method}/responses/${status}/content/application~1json/schema`;
    return this.validate(`response ${pointer}`, pointer, body, `response ${status}`);
  }

  /** The JSON schema of a response (refs resolved at the top level only), for building bodies. */
  responseSchema(match: OperationMatch, status: number): Record<string, unknown> | undefined {
    const op = this.operation(match.template, match.method);
    let resp = op.responses?.[String(status)];
    if (resp?.$ref) resp = this.doc.components.responses[String(resp.$ref).split('/').pop()!];
    return resp?.content?.['application/json']?.schema;
  }

  /** Resolves a local `$ref` (`#/components/...`) to the node it points at. */
  resolve(ref: string): Record<string, any> {
    let node: any = this.doc;
    for (const part of ref.replace(/^#\//, '').split('/')) node = node[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    return node;
  }

  private validate(key: string, pointer: string, value: unknown, where: string): SchemaProblem[] {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOC_ID}${pointer}` });
      this.validators.set(key, validate);
    }
    return validate(value) ? [] : formatErrors(where, validate.errors);
  }
}

function formatErrors(where: string, errors: ErrorObject[] | null | undefined): SchemaProblem[] {
  // anyOf/oneOf failures list every branch; keep the report readable by capping it.
  return (errors ?? []).slice(0, 10).map((e) => ({
    where: `${where}${e.instancePath}`,
    message: `${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`,
  }));
}

const CACHE = Symbol.for('mockops.testing.github-openapi');

/** The description, parsed once per process (Jest gives each test file its own module registry). */
export function githubOpenApi(): OpenApiDescription {
  const g = globalThis as unknown as Record<symbol, OpenApiDescription | undefined>;
  if (!g[CACHE]) {
    g[CACHE] = new OpenApiDescription(require.resolve('@octokit/openapi/generated/api.github.com.json'));
  }
  return g[CACHE]!;
}
