/**
 * Which operations a generated test program calls, and with what: a handful per description, chosen to
 * cover path/query/header/cookie parameters, a request body and each usable auth scheme; arguments are
 * sampled from the description's own schemas (openapi-sampler) and checked against them (ajv) first, so a
 * request the server rejects is the client's doing, not the test data's.
 */
import type { ApiModel, Operation, OperationParameter, TypeRef } from '../lib/api-model';
import { escapePointer, Samples } from './samples';
import { isJsonType, resolveLocal, successResponse } from './spec-server';

type Obj = Record<string, any>;

export interface PlannedArg {
  param: OperationParameter;
  value: unknown;
}

export interface PlannedCall {
  op: Operation;
  args: PlannedArg[];
  /** JSON value of the request body, when the operation has one. */
  body?: unknown;
  /** The named model the description says the operation returns (ApiModel name), when it names one. */
  returns?: { model: string; array: boolean };
}

export interface CallPlan {
  calls: PlannedCall[];
  /** operation id -> why it is not called */
  skipped: Record<string, string>;
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Resolves `{$ref}` chains, returning the node and its JSON pointer. */
function locate(doc: Obj, node: unknown, pointer: string): { node: Obj; pointer: string } {
  let n = node;
  let p = pointer;
  for (let i = 0; i < 16 && isObj(n) && typeof n['$ref'] === 'string' && n['$ref'].startsWith('#'); i++) {
    p = n['$ref'].slice(1);
    n = resolveLocal(doc, { $ref: n['$ref'] });
  }
  return { node: isObj(n) ? n : {}, pointer: p };
}

/** Primitives, enums and arrays of them: what every style (form, simple) serializes the same way. */
function scalarish(t: TypeRef, model: ApiModel, inArray = false): boolean {
  switch (t.kind) {
    case 'primitive':
      return t.type !== 'any' && t.type !== 'binary';
    case 'ref':
      return model.models.some((m) => m.name === t.name && m.kind === 'enum');
    case 'array':
      return !inArray && scalarish(t.items, model, true);
    default:
      return false;
  }
}

/** The schemes the generated client can send and the test server accepts. */
function usableSchemes(model: ApiModel): Set<string> {
  return new Set(model.securitySchemes.map((s) => s.name));
}

export function planCalls(model: ApiModel, doc3: Obj, max = 5): CallPlan {
  const samples = new Samples(doc3);
  const candidates: PlannedCall[] = [];
  const skipped: Record<string, string> = {};
  const schemes = usableSchemes(model);
  const rawSchemes = isObj(doc3['components']?.['securitySchemes']) ? doc3['components']['securitySchemes'] : {};
  for (const op of model.operations) {
    const why = (reason: string) => {
      skipped[op.id] = reason;
    };
    const pathPointer = `/paths/${escapePointer(op.path)}`;
    const item = resolveLocal(doc3, doc3['paths']?.[op.path]);
    const raw = item[op.method.toLowerCase()];
    if (!isObj(raw)) {
      why('not in the converted description');
      continue;
    }
    // Every requirement alternative must be satisfiable by what the client sends, or none may exist.
    const requirements: Obj[] = Array.isArray(raw['security']) ? raw['security'] : Array.isArray(doc3['security']) ? doc3['security'] : [];
    if (requirements.length && !requirements.some((r) => isObj(r) && Object.keys(r).every((k) => schemes.has(k) && isObj(resolveLocal(doc3, rawSchemes[k]))))) {
      why('needs a security scheme the generator does not support');
      continue;
    }
    const authHeader = (k: string) => {
      const d = resolveLocal(doc3, rawSchemes[k]);
      return d['type'] === 'http' && String(d['scheme']).toLowerCase() === 'basic' ? 'basic' : d['type'] === 'http' || d['type'] === 'oauth2' || d['type'] === 'openIdConnect' ? 'bearer' : undefined;
    };
    if (requirements.length && requirements.every((r) => isObj(r) && new Set(Object.keys(r).map(authHeader).filter(Boolean)).size > 1)) {
      why('every security alternative needs two different Authorization headers');
      continue;
    }
    if (op.body && ['GET', 'HEAD'].includes(op.method)) {
      why('GET/HEAD with a body (fetch cannot send one)');
      continue;
    }
    if (op.body && !['json', 'form'].includes(op.body.encoding)) {
      why(`${op.body.encoding} request body`);
      continue;
    }
    if (op.success?.type && !['json', 'text'].includes(op.success.encoding ?? 'json')) {
      why(`${op.success.encoding} response`);
      continue;
    }
    const success = successResponse(doc3, raw);
    if (success?.contentType && !isJsonType(success.contentType) && !/^text\//.test(success.contentType)) {
      why(`${success.contentType} response`);
      continue;
    }
    if (/[#?]/.test(op.path)) {
      why('its path template contains a URI delimiter (# or ?)');
      continue;
    }
    const params = new Map<string, { node: Obj; pointer: string }>();
    for (const [base, list] of [
      [pathPointer, item['parameters']],
      [`${pathPointer}/${op.method.toLowerCase()}`, raw['parameters']],
    ] as const) {
      if (!Array.isArray(list)) continue;
      list.forEach((p: unknown, i: number) => {
        const found = locate(doc3, p, `${base}/parameters/${i}`);
        params.set(`${found.node['in']}:${found.node['name']}`, found);
      });
    }
    const args: PlannedArg[] = [];
    let bad: string | undefined;
    for (const param of op.parameters) {
      const found = params.get(`${param.in}:${param.wireName}`);
      if (!found || !isObj(found.node['schema'])) {
        if (param.required) bad = `parameter ${param.wireName} has no schema`;
        continue;
      }
      if (!scalarish(param.type.kind === 'nullable' ? param.type.inner : param.type, model)) {
        if (param.required) bad = `parameter ${param.wireName} is ${param.type.kind === 'primitive' ? param.type.type : param.type.kind}`;
        continue;
      }
      const style = found.node['style'];
      if (style && !['form', 'simple'].includes(style)) {
        if (param.required) bad = `parameter ${param.wireName} has style ${style}`;
        continue;
      }
      const value = samples.valid(`${found.pointer}/schema`, true)?.value;
      if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
        if (param.required) bad = `no valid sample for parameter ${param.wireName}`;
        continue;
      }
      args.push({ param, value });
    }
    if (bad) {
      why(bad);
      continue;
    }
    let body: unknown;
    if (op.body) {
      const rb = locate(doc3, raw['requestBody'], `${pathPointer}/${op.method.toLowerCase()}/requestBody`);
      const media = isObj(rb.node['content']) ? rb.node['content'][op.body.contentType] : undefined;
      if (!isObj(media) || media['schema'] === undefined) {
        why(`no schema for the ${op.body.contentType} body`);
        continue;
      }
      const sampled = samples.valid(`${rb.pointer}/content/${escapePointer(op.body.contentType)}/schema`, true);
      if (!sampled) {
        why('no valid sample for the body');
        continue;
      }
      body = sampled.value;
      if (op.body.encoding === 'form' && !isObj(body)) {
        why('form body that is not an object');
        continue;
      }
    }
    const schema = success?.schema;
    const direct = isObj(schema) && typeof schema['$ref'] === 'string' ? schema['$ref'] : undefined;
    const items = isObj(schema) && schema['type'] === 'array' && isObj(schema['items']) && typeof schema['items']['$ref'] === 'string' ? schema['items']['$ref'] : undefined;
    const ref = direct ?? items;
    // swagger2openapi moves #/definitions/X to #/components/schemas/X.
    const named = ref ? model.models.find((m) => m.ref?.replace(/^#\/definitions\//, '#/components/schemas/') === ref) : undefined;
    candidates.push({ op, args, body, returns: named ? { model: named.name, array: !direct } : undefined });
  }
  // Greedy: each pick adds the most features not yet covered; ties go to the earlier operation id.
  const features = (c: PlannedCall): string[] => [
    ...new Set([
      ...c.args.map((a) => `param:${a.param.in}`),
      ...(c.body !== undefined ? [`body:${c.op.body!.encoding}`] : []),
      ...c.op.security.map((s) => `auth:${s}`),
      ...(c.returns ? ['typed-result'] : []),
      ...(c.args.some((a) => Array.isArray(a.value)) ? ['array-param'] : []),
    ]),
  ];
  const covered = new Set<string>();
  const calls: PlannedCall[] = [];
  const pool = [...candidates];
  while (calls.length < max && pool.length) {
    let best = 0;
    let bestGain = -1;
    pool.forEach((c, i) => {
      const gain = features(c).filter((f) => !covered.has(f)).length;
      if (gain > bestGain) {
        best = i;
        bestGain = gain;
      }
    });
    const [pick] = pool.splice(best, 1);
    features(pick).forEach((f) => covered.add(f));
    calls.push(pick);
  }
  for (const c of pool) skipped[c.op.id] = 'not needed: the chosen calls cover its features';
  return { calls, skipped };
}
