import * as protobuf from 'protobufjs';
import type { ApiModel, NamedModel, RpcService, TypeRef } from '../api-model';
import { pascalCase, UniqueNamer } from '../names';
import { SdkGenerationError } from '../sdk-generation.error';

/**
 * Protobuf -> ApiModel following the proto3 JSON mapping (the wire format of the JSON-over-HTTP
 * transport): lowerCamelCase field names, 64-bit integers and bytes as strings, enums by name,
 * well-known types as their JSON forms.
 */

const STRING: TypeRef = { kind: 'primitive', type: 'string' };
const SCALARS: Record<string, TypeRef> = {
  double: { kind: 'primitive', type: 'number' },
  float: { kind: 'primitive', type: 'number' },
  int32: { kind: 'primitive', type: 'integer', format: 'int32' },
  uint32: { kind: 'primitive', type: 'integer', format: 'int32' },
  sint32: { kind: 'primitive', type: 'integer', format: 'int32' },
  fixed32: { kind: 'primitive', type: 'integer', format: 'int32' },
  sfixed32: { kind: 'primitive', type: 'integer', format: 'int32' },
  int64: { kind: 'primitive', type: 'string', format: 'int64' },
  uint64: { kind: 'primitive', type: 'string', format: 'int64' },
  sint64: { kind: 'primitive', type: 'string', format: 'int64' },
  fixed64: { kind: 'primitive', type: 'string', format: 'int64' },
  sfixed64: { kind: 'primitive', type: 'string', format: 'int64' },
  bool: { kind: 'primitive', type: 'boolean' },
  string: STRING,
  bytes: { kind: 'primitive', type: 'string', format: 'byte' },
};

const nullable = (inner: TypeRef): TypeRef => ({ kind: 'nullable', inner });
const WELL_KNOWN: Record<string, TypeRef> = {
  '.google.protobuf.Timestamp': { kind: 'primitive', type: 'string', format: 'date-time' },
  '.google.protobuf.Duration': { kind: 'primitive', type: 'string', format: 'duration' },
  '.google.protobuf.FieldMask': STRING,
  '.google.protobuf.Struct': { kind: 'map', values: { kind: 'primitive', type: 'any' } },
  '.google.protobuf.Value': { kind: 'primitive', type: 'any' },
  '.google.protobuf.ListValue': { kind: 'array', items: { kind: 'primitive', type: 'any' } },
  '.google.protobuf.Any': { kind: 'map', values: { kind: 'primitive', type: 'any' } },
  '.google.protobuf.DoubleValue': nullable(SCALARS['double']),
  '.google.protobuf.FloatValue': nullable(SCALARS['float']),
  '.google.protobuf.Int64Value': nullable(SCALARS['int64']),
  '.google.protobuf.UInt64Value': nullable(SCALARS['uint64']),
  '.google.protobuf.Int32Value': nullable(SCALARS['int32']),
  '.google.protobuf.UInt32Value': nullable(SCALARS['uint32']),
  '.google.protobuf.BoolValue': nullable(SCALARS['bool']),
  '.google.protobuf.StringValue': nullable(STRING),
  '.google.protobuf.BytesValue': nullable(SCALARS['bytes']),
};

/** proto3 JSON name of a field (what `json_name` defaults to). */
function jsonName(field: protobuf.Field): string {
  const explicit = field.options?.['json_name'];
  if (typeof explicit === 'string') return explicit;
  return field.name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function parseInto(root: protobuf.Root, source: string, filename: string): protobuf.IParserResult {
  const parser = protobuf.parse as unknown as { filename: string | null };
  const previous = parser.filename;
  parser.filename = filename;
  try {
    return protobuf.parse(source, root, { keepCase: true, alternateCommentMode: true });
  } catch (e) {
    throw new SdkGenerationError(`invalid .proto: ${(e as Error).message}`, filename);
  } finally {
    parser.filename = previous;
  }
}

export function loadProtobufModel(source: string, filename = 'input.proto', imports: Record<string, string> = {}): ApiModel {
  const root = new protobuf.Root();
  const loaded = new Set<string>();
  let mainPackage = '';
  const load = (src: string, name: string, importedFrom?: string): void => {
    if (loaded.has(name)) return;
    loaded.add(name);
    const result = parseInto(root, src, name);
    if (!importedFrom) mainPackage = result.package ?? '';
    for (const imp of [...(result.imports ?? []), ...(result.weakImports ?? [])]) {
      if (loaded.has(imp)) continue;
      if (Object.prototype.hasOwnProperty.call(imports, imp)) {
        load(imports[imp], imp, name);
      } else if (protobuf.common.get(imp)) {
        loaded.add(imp);
        root.addJSON(protobuf.common.get(imp)!.nested!);
      } else {
        throw new SdkGenerationError(`import "${imp}" not found (pass its source in \`imports\`)`, importedFrom ? name : filename);
      }
    }
  };
  load(source, filename);
  try {
    root.resolveAll();
  } catch (e) {
    throw new SdkGenerationError(`cannot resolve types: ${(e as Error).message}`, filename);
  }

  const types: protobuf.Type[] = [];
  const enums: protobuf.Enum[] = [];
  const services: protobuf.Service[] = [];
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const child of ns.nestedArray) {
      if (child instanceof protobuf.Type) {
        if (!WELL_KNOWN[child.fullName]) types.push(child);
      } else if (child instanceof protobuf.Enum) {
        // NullValue only exists inside google.protobuf.Value, which maps to "any".
        if (child.fullName !== '.google.protobuf.NullValue') enums.push(child);
      }
      else if (child instanceof protobuf.Service) services.push(child);
      if (child instanceof protobuf.Namespace || child instanceof protobuf.Type) visit(child);
    }
  };
  visit(root);

  const pkgOf = (obj: protobuf.ReflectionObject): string => {
    let p: protobuf.ReflectionObject | null = obj.parent;
    while (p && !(p instanceof protobuf.Root) && (p instanceof protobuf.Type || p instanceof protobuf.Service)) p = p.parent;
    return p && !(p instanceof protobuf.Root) ? p.fullName.replace(/^\./, '') : '';
  };
  // Names drop the package but keep nesting (Outer.Inner -> OuterInner); clashes get numbered.
  const namer = new UniqueNamer();
  const names = new Map<string, string>();
  const byFullName = (a: { fullName: string }, b: { fullName: string }) => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0);
  for (const t of [...types, ...enums].sort(byFullName)) {
    const pkg = pkgOf(t);
    const local = t.fullName.replace(/^\./, '').slice(pkg ? pkg.length + 1 : 0);
    names.set(t.fullName, namer.claim(pascalCase(local.split('.').join(' ')) || 'Message'));
  }

  const typeOfField = (field: protobuf.Field): TypeRef => {
    const base = (): TypeRef => {
      const resolved = field.resolvedType;
      if (resolved) return WELL_KNOWN[resolved.fullName] ?? { kind: 'ref', name: names.get(resolved.fullName)! };
      return SCALARS[field.type] ?? { kind: 'primitive', type: 'any' };
    };
    if (field instanceof protobuf.MapField || field.map) return { kind: 'map', values: base() };
    if (field.repeated) return { kind: 'array', items: base() };
    return base();
  };

  const models: NamedModel[] = [];
  for (const t of types) {
    models.push({
      kind: 'object',
      name: names.get(t.fullName)!,
      ref: t.fullName,
      description: t.comment ?? undefined,
      properties: t.fieldsArray.map((f) => {
        const oneof = f.partOf && !f.partOf.name.startsWith('_') ? f.partOf.name : undefined;
        const comment = [f.comment, oneof ? `Part of oneof \`${oneof}\`: set at most one of its fields.` : undefined].filter(Boolean).join('\n');
        return { wireName: jsonName(f), type: typeOfField(f), required: false, description: comment || undefined };
      }),
    });
  }
  for (const e of enums) {
    models.push({ kind: 'enum', name: names.get(e.fullName)!, ref: e.fullName, description: e.comment ?? undefined, valueType: 'string', values: Object.keys(e.values) });
  }
  models.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const serviceNamer = new UniqueNamer();
  const rpcServices: RpcService[] = services.sort(byFullName).map((s) => ({
    name: serviceNamer.claim(pascalCase(s.name) || 'Service'),
    fullName: s.fullName.replace(/^\./, ''),
    description: s.comment ?? undefined,
    methods: s.methodsArray.map((m) => {
      const typeName = (t: protobuf.Type | null, raw: string): string => {
        if (!t) throw new SdkGenerationError(`rpc ${s.name}.${m.name}: type "${raw}" not resolved`, filename);
        if (WELL_KNOWN[t.fullName]) {
          throw new SdkGenerationError(`rpc ${s.name}.${m.name}: well-known type ${t.fullName} cannot be a request or response; wrap it in a message`, filename);
        }
        return names.get(t.fullName)!;
      };
      return {
        name: m.name,
        requestType: typeName(m.resolvedRequestType, m.requestType),
        responseType: typeName(m.resolvedResponseType, m.responseType),
        requestStream: m.requestStream === true,
        responseStream: m.responseStream === true,
        description: m.comment ?? undefined,
      };
    }),
  }));

  return {
    source: 'protobuf',
    title: mainPackage || filename.replace(/\.proto$/, '').split('/').pop() || 'api',
    version: '0.1.0',
    baseUrl: '',
    models,
    operations: [],
    services: rpcServices,
    securitySchemes: [],
  };
}
