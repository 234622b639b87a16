/**
 * The language-neutral model every emitter works from, so the TypeScript, Python and Rust SDKs agree.
 * Complex inline schemas (objects, enums, unions) are hoisted into named models; a TypeRef therefore
 * only nests primitives, arrays, maps, nullability and references to named models. That keeps circular
 * schemas finite: a cycle always passes through a `ref`.
 */
export type PrimitiveType = 'string' | 'integer' | 'number' | 'boolean' | 'any' | 'binary';

export type TypeRef =
  | { kind: 'primitive'; type: PrimitiveType; format?: string }
  | { kind: 'ref'; name: string }
  | { kind: 'array'; items: TypeRef }
  | { kind: 'map'; values: TypeRef }
  | { kind: 'nullable'; inner: TypeRef };

export interface ModelProperty {
  /** Name on the wire (JSON key), exactly as in the spec. */
  wireName: string;
  type: TypeRef;
  required: boolean;
  description?: string;
  deprecated?: boolean;
}

export interface ObjectModel {
  kind: 'object';
  name: string;
  /** Where it came from: the JSON pointer of the named schema (`#/components/schemas/Pet`), or the Protobuf full name. */
  ref?: string;
  description?: string;
  properties: ModelProperty[];
  /** Type of extra keys; undefined when the object is closed or the spec says nothing. */
  additionalProperties?: TypeRef;
}

export interface EnumModel {
  kind: 'enum';
  name: string;
  /** Where it came from: the JSON pointer of the named schema (`#/components/schemas/Pet`), or the Protobuf full name. */
  ref?: string;
  description?: string;
  valueType: 'string' | 'integer';
  values: (string | number)[];
}

export interface UnionModel {
  kind: 'union';
  name: string;
  /** Where it came from: the JSON pointer of the named schema (`#/components/schemas/Pet`), or the Protobuf full name. */
  ref?: string;
  description?: string;
  variants: TypeRef[];
  discriminator?: string;
}

export interface AliasModel {
  kind: 'alias';
  name: string;
  /** Where it came from: the JSON pointer of the named schema (`#/components/schemas/Pet`), or the Protobuf full name. */
  ref?: string;
  description?: string;
  type: TypeRef;
}

export type NamedModel = ObjectModel | EnumModel | UnionModel | AliasModel;

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

export interface OperationParameter {
  wireName: string;
  in: ParameterLocation;
  type: TypeRef;
  required: boolean;
  description?: string;
  /** For array query parameters: repeat the key (`explode`, the default) or join with commas. */
  explode: boolean;
}

/** How a body travels: JSON, urlencoded form, or raw bytes/text with a given content type. */
export type BodyEncoding = 'json' | 'form' | 'multipart' | 'text' | 'binary';

export interface OperationBody {
  contentType: string;
  encoding: BodyEncoding;
  type: TypeRef;
  required: boolean;
  description?: string;
}

export interface OperationResponse {
  /** `200`, `4XX` or `default`. */
  status: string;
  description?: string;
  contentType?: string;
  encoding?: BodyEncoding;
  /** Undefined when the response has no body. */
  type?: TypeRef;
}

export interface Operation {
  /** Unique, stable identifier (operationId, or method+path when absent). */
  id: string;
  method: string;
  path: string;
  summary?: string;
  description?: string;
  deprecated?: boolean;
  tags: string[];
  parameters: OperationParameter[];
  body?: OperationBody;
  /** The first 2xx response (the success type). */
  success?: OperationResponse;
  /** Every other declared response (errors). */
  errors: OperationResponse[];
  /** Names of the security schemes that may apply (their credentials are sent when configured). */
  security: string[];
}

export type SecurityScheme =
  | { kind: 'bearer'; name: string; description?: string }
  | { kind: 'basic'; name: string; description?: string }
  | { kind: 'apiKey'; name: string; in: 'header' | 'query' | 'cookie'; paramName: string; description?: string };

export interface RpcMethod {
  name: string;
  /** Named model of the request / response message. */
  requestType: string;
  responseType: string;
  requestStream: boolean;
  responseStream: boolean;
  description?: string;
}

export interface RpcService {
  /** Short service name (`Greeter`). */
  name: string;
  /** Fully qualified name used on the wire (`demo.v1.Greeter`). */
  fullName: string;
  description?: string;
  methods: RpcMethod[];
}

export interface ApiModel {
  source: 'openapi' | 'protobuf';
  title: string;
  version: string;
  description?: string;
  /** Default base URL (may be empty or relative). */
  baseUrl: string;
  /** Named models, sorted by name. */
  models: NamedModel[];
  /** HTTP operations (OpenAPI), sorted by id. */
  operations: Operation[];
  /** RPC services (Protobuf), sorted by name. */
  services: RpcService[];
  securitySchemes: SecurityScheme[];
}
