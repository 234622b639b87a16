/**
 * Test peer: an HTTP server built from an API description that checks every request against it and
 * answers with schema-valid responses. Requests (method, path, path/query/header/cookie parameters,
 * body, content type, credentials) are validated by express-openapi-validator; every response body is
 * sampled from the response schema by openapi-sampler and validated again on the way out. Swagger 2.0
 * documents are converted to OpenAPI 3.0 with swagger2openapi first. Listens on 127.0.0.1, random port.
 */
import { fullFormats } from 'ajv-formats/dist/formats';
import express, { type NextFunction, type Request, type Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { convertObj } from 'swagger2openapi';
import { escapePointer, quietSample, Samples } from './samples';

type Obj = Record<string, any>;

/** What the generated programs send as credentials, and what the server accepts. */
export const TEST_CREDENTIALS = { apiKey: 'test-api-key', token: 'test-token', username: 'test-user', password: 'test-password' };

export interface ValidationFailure {
  /**
   * The client's fault: `request` (parameters, body, content type), `security` (credentials), `route`
   * (no such operation). The test server's: `response` (its answer did not validate), `server` (the
   * validator could not handle the description).
   */
  phase: 'request' | 'security' | 'route' | 'response' | 'server';
  method: string;
  url: string;
  status: number;
  message: string;
  /** Index of the exchange it belongs to. */
  index: number;
}

export interface Exchange {
  method: string;
  url: string;
  headers: Request['headers'];
  body: string;
  status: number;
  /** The JSON (or text) the server answered with; undefined for an empty body. */
  response: unknown;
}

export interface SpecServer {
  baseUrl: string;
  exchanges: Exchange[];
  failures: ValidationFailure[];
  close(): Promise<void>;
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
export const isJsonType = (ct: string): boolean => /^application\/(.+\+)?json\b|^\*\/\*$/i.test(ct.trim());

/** OpenAPI 3.x as is; Swagger 2.0 converted to OpenAPI 3.0 (swagger2openapi). Returns a copy. */
export async function toOpenApi3(doc: Obj): Promise<Obj> {
  if (String(doc['swagger'] ?? '').startsWith('2')) return (await convertObj(structuredClone(doc), { patch: true, warnOnly: true, resolve: false })).openapi;
  return structuredClone(doc);
}

/**
 * The description as this server serves it: every operation at the server's root (servers: `/`), no
 * schema `default`s (see below), parameter styles explicit, query API keys first in requirements.
 */
export function servedAt(doc3: Obj): Obj {
  const doc = structuredClone(doc3);
  doc['servers'] = [{ url: '/' }];
  // A node is a schema when it has a schema keyword whose value has a schema keyword's shape (a property
  // map may have a property called `type`, but its value is then an object).
  const isSchema = (n: Obj) =>
    typeof n['type'] === 'string' || Array.isArray(n['type']) || typeof n['$ref'] === 'string' || typeof n['format'] === 'string' || ['allOf', 'oneOf', 'anyOf', 'enum'].some((k) => Array.isArray(n[k]));
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(strip);
    if (!isObj(node)) return;
    if (isSchema(node)) {
      // The validator's ajv inserts defaults (useDefaults) and then validates them as if the client had
      // sent them: a readOnly property with a default, or a default that breaks its own format, would be
      // reported against the client. Defaults are annotations for a client; dropping them checks the same.
      delete node['default'];
      // ajv refuses to compile `nullable` without `type`; the samples never send null there anyway.
      if (node['nullable'] === true && node['type'] === undefined) delete node['nullable'];
    }
    for (const [k, v] of Object.entries(node)) if (!['example', 'examples', 'enum', 'const', 'default'].includes(k)) strip(v);
  };
  strip(doc['components']);
  strip(doc['paths']);
  // Parameter serialization defaults made explicit (OpenAPI 3: form + explode for query and cookie, simple
  // otherwise); express-openapi-validator reads `style`/`explode` as written and rejects arrays without them.
  const explicit = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const raw of list) {
      const p = isObj(raw) && typeof raw['$ref'] === 'string' ? resolveLocal(doc, raw) : raw;
      if (!isObj(p) || p['content']) continue;
      p['style'] ??= p['in'] === 'query' || p['in'] === 'cookie' ? 'form' : 'simple';
      p['explode'] ??= p['style'] === 'form';
    }
  };
  for (const item of Object.values(isObj(doc['paths']) ? doc['paths'] : {})) {
    if (!isObj(item)) continue;
    explicit(item['parameters']);
    for (const op of Object.values(item)) if (isObj(op)) explicit(op['parameters']);
  }
  // express-openapi-validator only allows the query API key of the first scheme of each requirement.
  const schemes = isObj(doc['components']?.['securitySchemes']) ? doc['components']['securitySchemes'] : {};
  const queryKeyFirst = (reqs: unknown) =>
    Array.isArray(reqs)
      ? reqs.map((r) => (isObj(r) ? Object.fromEntries(Object.entries(r).sort(([a], [b]) => Number(resolveLocal(doc, schemes[b])['in'] === 'query') - Number(resolveLocal(doc, schemes[a])['in'] === 'query'))) : r))
      : reqs;
  if (doc['security']) doc['security'] = queryKeyFirst(doc['security']);
  for (const item of Object.values(isObj(doc['paths']) ? doc['paths'] : {})) {
    if (!isObj(item)) continue;
    for (const op of Object.values(item)) if (isObj(op) && op['security']) op['security'] = queryKeyFirst(op['security']);
  }
  for (const item of Object.values(isObj(doc['paths']) ? doc['paths'] : {})) {
    if (!isObj(item)) continue;
    delete item['servers'];
    for (const op of Object.values(item)) if (isObj(op)) delete op['servers'];
  }
  return doc;
}

export function resolveLocal(doc: Obj, node: unknown): Obj {
  let n = node;
  for (let i = 0; i < 32 && isObj(n) && typeof n['$ref'] === 'string'; i++) {
    n = n['$ref']
      .slice(2)
      .split('/')
      .map((s: string) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((acc: unknown, seg: string) => (isObj(acc) || Array.isArray(acc) ? (acc as Obj)[seg] : undefined), doc);
  }
  return isObj(n) ? n : {};
}

/** The success response the generated clients expect: the lowest 2xx, as the generator picks it. */
export function successResponse(doc: Obj, op: Obj, opPointer = ''): { status: number; contentType?: string; schema?: unknown; pointer?: string } | undefined {
  const responses = isObj(op['responses']) ? op['responses'] : {};
  const status = Object.keys(responses).sort().find((s) => /^2/.test(s));
  if (!status) return undefined;
  const r = resolveLocal(doc, responses[status]);
  const raw = responses[status];
  const base = isObj(raw) && typeof raw['$ref'] === 'string' ? raw['$ref'].slice(1) : `${opPointer}/responses/${escapePointer(status)}`;
  const code = /^2\d\d$/.test(status) ? Number(status) : 200;
  const content = isObj(r['content']) ? r['content'] : {};
  const types = Object.keys(content);
  const ct = types.find(isJsonType) ?? types[0];
  if (!ct) return { status: code };
  return { status: code, contentType: ct === '*/*' ? 'application/json' : ct, schema: isObj(content[ct]) ? content[ct]['schema'] : undefined, pointer: `${base}/content/${escapePointer(ct)}/schema` };
}

function securityHandlers(doc: Obj): Record<string, (req: Request) => boolean> {
  const schemes = isObj(doc['components']?.['securitySchemes']) ? doc['components']['securitySchemes'] : {};
  const basic = `Basic ${Buffer.from(`${TEST_CREDENTIALS.username}:${TEST_CREDENTIALS.password}`).toString('base64')}`;
  const handlers: Record<string, (req: Request) => boolean> = {};
  for (const [name, raw] of Object.entries(schemes)) {
    const s = resolveLocal(doc, raw);
    const type = String(s['type'] ?? '');
    const scheme = String(s['scheme'] ?? '').toLowerCase();
    handlers[name] = (req) => {
      if (type === 'apiKey') {
        const key = String(s['name'] ?? '');
        const value = s['in'] === 'header' ? req.headers[key.toLowerCase()] : s['in'] === 'query' ? req.query[key] : (req as Request & { cookies?: Obj }).cookies?.[key];
        return value === TEST_CREDENTIALS.apiKey;
      }
      if (type === 'http' && scheme === 'basic') return req.headers['authorization'] === basic;
      if ((type === 'http' && scheme === 'bearer') || type === 'oauth2' || type === 'openIdConnect') return req.headers['authorization'] === `Bearer ${TEST_CREDENTIALS.token}`;
      return false;
    };
  }
  return handlers;
}

/** The description exactly as the test server validates it (and as test programs should sample it). */
export async function prepareDescription(description: Obj): Promise<Obj> {
  return servedAt(await toOpenApi3(description));
}

/** `format` values used in the description that neither ajv-formats nor the validator defines. */
function unknownFormats(doc: Obj): string[] {
  const known = new Set([...Object.keys(fullFormats), 'int32', 'int64', 'float', 'double', 'byte', 'binary', 'password']);
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isObj(node)) {
      if (typeof node['format'] === 'string' && !known.has(node['format'])) found.add(node['format']);
      Object.values(node).forEach(walk);
    }
  };
  walk(doc);
  return [...found].sort();
}

/** `application/x-www-form-urlencoded` values as the types their schema declares (integer, number, boolean). */
function coerceFormBody(doc: Obj, req: Request & { openapi?: { schema?: Obj } }): void {
  if (!/^application\/x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? '')) || !isObj(req.body)) return;
  const rb = resolveLocal(doc, req.openapi?.schema?.['requestBody']);
  const schema = resolveLocal(doc, rb['content']?.['application/x-www-form-urlencoded']?.['schema']);
  const props: Obj = {};
  for (const part of [schema, ...(Array.isArray(schema['allOf']) ? schema['allOf'].map((m: unknown) => resolveLocal(doc, m)) : [])]) {
    if (isObj(part['properties'])) Object.assign(props, part['properties']);
  }
  const scalar = (type: unknown, v: unknown): unknown => {
    if (typeof v !== 'string') return v;
    if ((type === 'integer' || type === 'number') && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    if (type === 'boolean' && (v === 'true' || v === 'false')) return v === 'true';
    return v;
  };
  for (const [k, v] of Object.entries(req.body as Obj)) {
    const p = resolveLocal(doc, props[k]);
    if (p['type'] === 'array') {
      const itemType = resolveLocal(doc, p['items'])['type'];
      (req.body as Obj)[k] = (Array.isArray(v) ? v : [v]).map((x) => scalar(itemType, x));
    } else (req.body as Obj)[k] = scalar(p['type'], v);
  }
}

export async function startSpecServer(description: Obj, opts: { port?: number; onExchange?: (e: Exchange, failures: ValidationFailure[]) => void } = {}): Promise<SpecServer> {
  const doc = await prepareDescription(description);
  const samples = new Samples(doc);
  const exchanges: Exchange[] = [];
  const failures: ValidationFailure[] = [];
  const raw = new WeakMap<Request, string>();
  const keepRaw = (req: Request, _res: Response, buf: Buffer) => raw.set(req, buf.toString('utf8'));

  const app = express();
  if (opts.onExchange) {
    app.use((req, res, next) => {
      res.on('finish', () => {
        const e = exchanges.at(-1);
        if (e) opts.onExchange!(e, failures.filter((f) => f.index === exchanges.length - 1));
      });
      next();
    });
  }
  app.disable('x-powered-by');
  // strict: false — a JSON body may be any JSON value (`"text"`, `42`), not only an object or array.
  app.use(express.json({ strict: false, type: (req) => isJsonType(String(req.headers['content-type'] ?? '')), limit: '10mb', verify: keepRaw as never }));
  app.use(express.urlencoded({ extended: false, limit: '10mb', verify: keepRaw as never }));
  app.use(express.text({ type: ['text/*', 'application/xml'], limit: '10mb', verify: keepRaw as never }));
  // express-openapi-validator reads cookie parameters from req.cookies (what cookie-parser would set).
  app.use((req: Request & { cookies?: Obj }, _res, next) => {
    req.cookies = Object.fromEntries(
      String(req.headers['cookie'] ?? '')
        .split(';')
        .map((c) => c.trim())
        .filter(Boolean)
        .map((c) => [c.slice(0, c.indexOf('=')), decodeURIComponent(c.slice(c.indexOf('=') + 1))]),
    );
    next();
  });
  const validator = OpenApiValidator.middleware({
      apiSpec: doc as never,
      validateApiSpec: false,
      validateRequests: { allowUnknownQueryParameters: false, allErrors: true },
      validateResponses: {
        allErrors: true,
        onError: (err, _json, req) => {
          failures.push({ phase: 'response', method: req.method, url: req.originalUrl, status: 500, message: err.message, index: exchanges.length - 1 });
        },
      },
      validateSecurity: { handlers: securityHandlers(doc) },
      ignoreUndocumented: false,
      // Formats ajv-formats does not know (idn-email, iri, uriref, ...) are declared as unchecked: ajv would
      // ignore them anyway, with a console warning per schema.
      formats: Object.fromEntries(unknownFormats(doc).map((name) => [name, true])),
  }) as unknown as ((req: Request, res: Response, next: NextFunction) => void)[];
  // Form fields arrive as strings; typed the way the validator types query parameters, just before it
  // validates the request (after its metadata step found the operation).
  validator.splice(validator.findIndex((m) => m.name === 'requestMiddleware'), 0, (req, _res, next) => {
    coerceFormBody(doc, req);
    next();
  });
  app.use(validator);
  app.use((req: Request & { openapi?: { openApiRoute?: string } }, res: Response) => {
    const route = req.openapi?.openApiRoute ?? req.path;
    const method = req.method.toLowerCase();
    const op = resolveLocal(doc, doc['paths']?.[route])[method];
    const success = isObj(op) ? successResponse(doc, op, `/paths/${escapePointer(route)}/${method}`) : undefined;
    const status = success?.status ?? 200;
    let body: unknown;
    if (success?.contentType && success.schema !== undefined) {
      const valid = samples.valid(success.pointer!, false);
      if (valid) body = valid.value;
      else {
        failures.push({ phase: 'server', method: req.method, url: req.originalUrl, status, message: 'no response sample validates against the response schema', index: exchanges.length });
        body = quietSample(success.schema, { skipWriteOnly: true }, doc);
      }
    }
    exchanges.push({ method: req.method, url: req.originalUrl, headers: req.headers, body: raw.get(req) ?? '', status, response: body });
    if (body === undefined || status === 204) res.status(status).end();
    else if (isJsonType(success!.contentType!)) res.status(status).type(success!.contentType!).json(body);
    else res.status(status).type(success!.contentType!).send(typeof body === 'string' ? body : JSON.stringify(body));
  });
  app.use((err: Error & { status?: number; errors?: unknown[] }, req: Request, res: Response, _next: NextFunction) => {
    const status = err.status ?? 500;
    const phase = status >= 500 ? 'server' : status === 401 || status === 403 ? 'security' : status === 404 || status === 405 ? 'route' : 'request';
    failures.push({ phase, method: req.method, url: req.originalUrl, status, message: err.message, index: exchanges.length });
    exchanges.push({ method: req.method, url: req.originalUrl, headers: req.headers, body: raw.get(req) ?? '', status, response: { message: err.message } });
    res.status(status).json({ message: err.message, errors: err.errors ?? [] });
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(opts.port ?? 0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    exchanges,
    failures,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
