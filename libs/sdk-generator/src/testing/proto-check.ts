/**
 * Protobuf side of the corpus check: every generated message type round-trips through the real wire
 * format, and every unary rpc is called against a server built from the same .proto.
 *
 * The generated SDKs carry the proto3 JSON mapping (what the Connect protocol's JSON codec puts on the
 * wire). Round trip: the generated code encodes a value covering every field kind → protobufjs (from the
 * .proto) decodes that JSON, encodes it to the binary wire format, decodes the bytes and maps them back to
 * JSON → the generated code decodes that JSON and compares it with the value it started from.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import * as protobuf from 'protobufjs';
import type { ApiModel } from '../lib/api-model';
import type { CorpusEntry } from './corpus';

type Json = unknown;

/** The .proto files of an entry as protobufjs sees them, with proto3 JSON (lowerCamelCase) field names. */
export function protoRoot(entry: CorpusEntry): protobuf.Root {
  const root = new protobuf.Root();
  const sources = new Map(Object.entries(entry.imports ?? {}));
  sources.set(entry.filename, entry.source);
  root.resolvePath = (_origin, target) => target;
  root.fetch = undefined as never;
  const load = (name: string, seen: Set<string>): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const src = sources.get(name);
    if (src === undefined) {
      const common = protobuf.common.get(name);
      if (common) root.addJSON(common.nested!);
      return;
    }
    const parsed = protobuf.parse(src, root, { keepCase: false });
    for (const imp of parsed.imports ?? []) load(imp, seen);
  };
  load(entry.filename, new Set());
  root.resolveAll();
  return root;
}

const isWellKnown = (t: protobuf.ReflectionObject | null): boolean => !!t && t.fullName.startsWith('.google.protobuf.');

function scalarSample(type: string, n: number): Json {
  switch (type) {
    case 'double':
      return 1.5 + n;
    case 'float':
      return 0.25 + n;
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return -42 - n;
    case 'uint32':
    case 'fixed32':
      return 42 + n;
    // 64-bit integers are strings in proto3 JSON; these do not fit a double.
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return `-900719925474099${3 + n}`;
    case 'uint64':
    case 'fixed64':
      return `1844674407370955161${n}`;
    case 'bool':
      return n % 2 === 0;
    case 'string':
      return `héllo ✓ ${n}`;
    case 'bytes':
      return Buffer.from([0, 1, 2, 250 + n]).toString('base64');
    default:
      return undefined;
  }
}

function mapKey(type: string, n: number): string {
  if (type === 'bool') return n % 2 === 0 ? 'true' : 'false';
  if (type === 'string') return `key${n}`;
  return String(scalarSample(type, n));
}

/**
 * A proto3 JSON value of `type` with every field set to a non-default value: scalars, enums (a non-zero
 * value), repeated (two items), maps (two entries), the first member of each oneof, nested messages down
 * to `depth`. Well-known types are left out (protobufjs maps them as messages, not as their JSON forms).
 */
export function sampleMessage(type: protobuf.Type, depth = 2): Record<string, Json> {
  const out: Record<string, Json> = {};
  const oneofsSet = new Set<string>();
  for (const field of type.fieldsArray) {
    field.resolve();
    const oneof = field.partOf && !field.partOf.name.startsWith('_') ? field.partOf.name : undefined;
    if (oneof && oneofsSet.has(oneof)) continue;
    const one = (n: number): Json => {
      const rt = field.resolvedType;
      if (rt instanceof protobuf.Enum) return Object.keys(rt.values).find((k) => rt.values[k] !== 0) ?? Object.keys(rt.values)[0];
      if (rt instanceof protobuf.Type) return isWellKnown(rt) || depth <= 0 ? undefined : sampleMessage(rt, depth - 1);
      return scalarSample(field.type, n);
    };
    let value: Json;
    if (field instanceof protobuf.MapField || field.map) {
      const keyType = (field as unknown as protobuf.MapField).keyType;
      const a = one(0);
      const b = one(1);
      value = a === undefined ? undefined : { [mapKey(keyType, 0)]: a, [mapKey(keyType, 1)]: b };
    } else if (field.repeated) {
      const a = one(0);
      value = a === undefined ? undefined : [a, one(1)];
    } else value = one(0);
    if (value === undefined) continue;
    out[field.name] = value;
    if (oneof) oneofsSet.add(oneof);
  }
  return out;
}

const TO_JSON: protobuf.IConversionOptions = { longs: String, enums: String, bytes: String, json: true };

/** JSON → protobufjs message → binary wire format → message → JSON. */
export function wireRoundTrip(type: protobuf.Type, json: Json): Json {
  const message = type.fromObject(json as Record<string, unknown>);
  const bytes = type.encode(message).finish();
  return type.toObject(type.decode(bytes), TO_JSON);
}

/** Keys that are not fields of `type` (recursively): protobufjs' fromObject would drop them silently. */
export function unknownFields(type: protobuf.Type, json: Json, path = ''): string[] {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return [`${path || '.'}: not an object`];
  const out: string[] = [];
  for (const [k, v] of Object.entries(json as Record<string, Json>)) {
    const field = type.fields[k];
    if (!field) {
      out.push(`${path}.${k}: no such field in ${type.fullName}`);
      continue;
    }
    field.resolve();
    const rt = field.resolvedType;
    if (rt instanceof protobuf.Type && !isWellKnown(rt)) {
      const values = field.map ? Object.values(v as object) : field.repeated ? (v as Json[]) : [v];
      values.forEach((x, i) => out.push(...unknownFields(rt, x, `${path}.${k}${field.repeated || field.map ? `[${i}]` : ''}`)));
    }
  }
  return out;
}

export interface ProtoMessageCase {
  /** ApiModel (generated) model name. */
  model: string;
  fullName: string;
  sample: Record<string, Json>;
  /** The sample after protobufjs took it through the binary wire format. */
  viaWire: Json;
}

export interface ProtoRpcCase {
  service: string;
  method: string;
  path: string;
  requestModel: string;
  responseModel: string;
  request: Record<string, Json>;
}

export interface ProtoPlan {
  messages: ProtoMessageCase[];
  rpcs: ProtoRpcCase[];
  /** rpc -> why it is not called */
  skipped: Record<string, string>;
}

export function planProto(model: ApiModel, root: protobuf.Root): ProtoPlan {
  const messages: ProtoMessageCase[] = [];
  for (const m of model.models) {
    if (m.kind !== 'object' || !m.ref) continue;
    const type = root.lookupType(m.ref);
    const sample = sampleMessage(type);
    messages.push({ model: m.name, fullName: m.ref, sample, viaWire: wireRoundTrip(type, sample) });
  }
  const rpcs: ProtoRpcCase[] = [];
  const skipped: Record<string, string> = {};
  for (const s of model.services) {
    for (const m of s.methods) {
      if (m.requestStream || m.responseStream) {
        skipped[`${s.fullName}/${m.name}`] = 'streaming rpc (the generated clients speak unary Connect only)';
        continue;
      }
      const req = model.models.find((x) => x.name === m.requestType)!;
      rpcs.push({ service: s.name, method: m.name, path: `/${s.fullName}/${m.name}`, requestModel: m.requestType, responseModel: m.responseType, request: sampleMessage(root.lookupType(req.ref!)) });
    }
  }
  return { messages, rpcs, skipped };
}

export interface ProtoServer {
  baseUrl: string;
  exchanges: { path: string; request: Json; response: Json; status: number }[];
  failures: string[];
  close(): Promise<void>;
}

/**
 * A Connect-protocol (unary, JSON codec) server built from the .proto: it checks the method, path,
 * `Content-Type: application/json`, `Connect-Protocol-Version: 1`, that every key of the body is a field,
 * and that the body survives protobufjs' decoding unchanged (a number sent for a string field does not);
 * it answers with a sample of the response message, or a Connect error.
 */
export async function startProtoServer(root: protobuf.Root): Promise<ProtoServer> {
  const exchanges: ProtoServer['exchanges'] = [];
  const failures: string[] = [];
  const methods = new Map<string, protobuf.Method>();
  const visit = (ns: protobuf.NamespaceBase) => {
    for (const child of ns.nestedArray) {
      if (child instanceof protobuf.Service) for (const m of child.methodsArray) methods.set(`/${child.fullName.slice(1)}/${m.name}`, m.resolve() as protobuf.Method);
      if (child instanceof protobuf.Namespace) visit(child);
    }
  };
  visit(root);
  const connectError = (status: number, code: string, message: string) => ({ status, body: { code, message } });
  const handle = (req: IncomingMessage, raw: string): { status: number; body: Json } => {
    const method = methods.get(req.url ?? '');
    if (!method) return connectError(404, 'unimplemented', `no rpc at ${req.url}`);
    if (req.method !== 'POST') return connectError(405, 'unimplemented', 'Connect unary calls are POST');
    if (!/^application\/json\b/.test(String(req.headers['content-type']))) return connectError(415, 'invalid_argument', `content type ${req.headers['content-type']}`);
    if (req.headers['connect-protocol-version'] !== '1') return connectError(400, 'invalid_argument', 'missing Connect-Protocol-Version: 1');
    let body: Json;
    try {
      body = JSON.parse(raw);
    } catch {
      return connectError(400, 'invalid_argument', 'body is not JSON');
    }
    const reqType = method.resolvedRequestType!;
    const unknown = unknownFields(reqType, body);
    if (unknown.length) return connectError(400, 'invalid_argument', unknown.join('; '));
    try {
      const decoded = reqType.toObject(reqType.fromObject(body as Record<string, unknown>), TO_JSON);
      if (!isDeepStrictEqual(decoded, body)) return connectError(400, 'invalid_argument', `body does not survive decoding: sent ${JSON.stringify(body)}, decoded ${JSON.stringify(decoded)}`);
    } catch (e) {
      return connectError(400, 'invalid_argument', (e as Error).message);
    }
    const resType = method.resolvedResponseType!;
    return { status: 200, body: wireRoundTrip(resType, sampleMessage(resType)) };
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const { status, body } = handle(req, raw);
      if (status !== 200) failures.push(`${req.method} ${req.url} -> ${status} ${JSON.stringify(body)}`);
      let request: Json = raw;
      try {
        request = JSON.parse(raw);
      } catch {
        // recorded as text
      }
      exchanges.push({ path: req.url ?? '', request, response: body, status });
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
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
