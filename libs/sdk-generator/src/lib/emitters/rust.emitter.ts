import type { ApiModel, NamedModel, Operation, RpcService, TypeRef } from '../api-model';
import { rustComments as C } from '../comments';
import { packageNames, rustNames as N, tomlString, UniqueNamer } from '../names';
import { appendAll, type ClientSurface, directRefs, type EmitOptions, type GeneratedFile, type OperationSurface, semver } from './emitter';

/**
 * Rust SDK: serde-derived structs/enums and a blocking client on ureq 2. Recursive types are boxed
 * where a value would otherwise contain itself (same strongly connected component of direct edges);
 * aliases that refer to themselves become transparent newtypes, since `type A = Vec<A>` is illegal.
 */
export function emitRust(model: ApiModel, options: EmitOptions): GeneratedFile[] {
  return new RustEmitter(model, options).emit();
}

export function rustSurface(model: ApiModel, options: EmitOptions): ClientSurface {
  return new RustEmitter(model, options).surface();
}

/** A Rust string literal (JSON escapes are valid Rust except `\uXXXX`, which needs braces; a lone surrogate is no char). */
export function rustString(value: string): string {
  return JSON.stringify(value.replace(/[\ud800-\udfff]/gu, '\ufffd')).replace(/\\u([0-9a-fA-F]{4})/g, '\\u{$1}');
}

const docs = C.doc;

const ALL_REFS = (t: TypeRef): string[] => {
  switch (t.kind) {
    case 'ref':
      return [t.name];
    case 'array':
      return ALL_REFS(t.items);
    case 'map':
      return ALL_REFS(t.values);
    case 'nullable':
      return ALL_REFS(t.inner);
    default:
      return [];
  }
};

/** Strongly connected components (Tarjan) of the "contains by value" graph. */
function components(models: NamedModel[]): Map<string, number> {
  const edges = new Map<string, string[]>();
  for (const m of models) {
    const ts = m.kind === 'object' ? m.properties.map((p) => p.type) : m.kind === 'union' ? m.variants : m.kind === 'alias' ? [m.type] : [];
    edges.set(m.name, ts.flatMap(directRefs));
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const comp = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let counter = 0;
  let compId = 0;
  // Iterative DFS: the GitHub spec has chains deep enough to matter for the JS stack.
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; i: number }[] = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1];
      const next = (edges.get(frame.node) ?? [])[frame.i++];
      if (next !== undefined) {
        if (!edges.has(next)) continue;
        if (!index.has(next)) {
          index.set(next, counter);
          low.set(next, counter++);
          stack.push(next);
          onStack.add(next);
          work.push({ node: next, i: 0 });
        } else if (onStack.has(next)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(next)!));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        let n: string;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          comp.set(n, compId);
        } while (n !== frame.node);
        compId++;
      }
    }
  }
  return comp;
}

class RustEmitter {
  private readonly typeNamer = N.typeNamer();
  private readonly typeNames = new Map<string, string>();
  private readonly models: Map<string, NamedModel>;
  private readonly comp: Map<string, number>;
  private readonly newtypes = new Set<string>();
  private readonly crate: string;
  private readonly libName: string;
  private readonly clientName: string;
  private readonly serviceNames = new Map<string, { trait: string; cls: string }>();
  private readonly ops = new Map<string, OperationSurface>();
  private readonly rpcNames = new Map<string, Map<string, string>>();
  private readonly credNames: Map<string, string>;

  constructor(
    private readonly model: ApiModel,
    options: EmitOptions,
  ) {
    const names = packageNames(options.packageName);
    this.crate = names.crate;
    this.libName = names.rustLib;
    this.clientName = model.source === 'openapi' ? this.typeNamer.claim(N.clientClass(model.title)) : '';
    for (const s of model.services) {
      this.serviceNames.set(s.name, { trait: this.typeNamer.claim(N.type(s.name)), cls: this.typeNamer.claim(`${N.type(s.name)}Client`) });
    }
    for (const m of model.models) this.typeNames.set(m.name, this.typeNamer.claim(N.type(m.name)));
    const methodNamer = N.methodNamer();
    for (const op of model.operations) {
      const members = N.paramNamer();
      const params = op.parameters.map((p) => ({ wireName: p.wireName, in: p.in, required: p.required, name: members.claim(N.member(p.wireName)) }));
      this.ops.set(op.id, { method: methodNamer.claim(N.member(op.id)), params });
    }
    for (const s of model.services) {
      const namer = N.methodNamer();
      this.rpcNames.set(s.name, new Map(s.methods.map((m) => [m.name, namer.claim(N.member(m.name))])));
    }
    const credNamer = new UniqueNamer();
    this.credNames = new Map(model.securitySchemes.map((s) => [s.name, credNamer.claim(N.member(s.name))]));
    this.models = new Map(model.models.map((m) => [m.name, m]));
    this.comp = components(model.models);
    for (const m of model.models) if (m.kind === 'alias' && this.aliasCycles(m.name)) this.newtypes.add(m.name);
  }

  private aliasCycles(start: string): boolean {
    const seen = new Set<string>();
    const visit = (name: string): boolean => {
      const m = this.models.get(name);
      if (!m || m.kind !== 'alias') return false;
      for (const r of ALL_REFS(m.type)) {
        if (r === start) return true;
        if (!seen.has(r)) {
          seen.add(r);
          if (visit(r)) return true;
        }
      }
      return false;
    };
    return visit(start);
  }

  surface(): ClientSurface {
    return {
      language: 'rust',
      module: this.libName,
      clientClass: this.clientName,
      typeNames: this.typeNames,
      operations: this.ops,
      credentials: this.credNames,
      services: new Map([...this.serviceNames].map(([k, v]) => [k, { client: v.cls, iface: v.trait, methods: this.rpcNames.get(k)! }])),
    };
  }

  emit(): GeneratedFile[] {
    const files: [string, string][] = [
      ['rust/Cargo.toml', this.cargoToml()],
      ['rust/README.md', this.readme()],
      ['rust/src/client.rs', this.client()],
      ['rust/src/lib.rs', this.lib()],
      ['rust/src/models.rs', this.modelsRs()],
    ];
    return files.map(([path, content]) => ({ language: 'rust', path, content }));
  }

  /** `owner`: the model that holds this type by value; a reference back into its cycle is boxed. */
  private type(t: TypeRef, owner?: string): string {
    switch (t.kind) {
      case 'primitive':
        return { string: 'String', integer: 'i64', number: 'f64', boolean: 'bool', any: 'serde_json::Value', binary: 'Vec<u8>' }[t.type];
      case 'ref': {
        const name = this.typeNames.get(t.name)!;
        const boxed = owner !== undefined && this.comp.get(owner) !== undefined && this.comp.get(owner) === this.comp.get(t.name);
        return boxed ? `Box<${name}>` : name;
      }
      case 'array':
        return `Vec<${this.type(t.items)}>`;
      case 'map':
        return `BTreeMap<String, ${this.type(t.values)}>`;
      case 'nullable':
        return `Option<${this.type(t.inner, owner)}>`;
    }
  }

  // ---- models.rs -----------------------------------------------------------------------------

  private modelsRs(): string {
    const out = [
      ...C.inner(`Models of ${this.model.title} ${this.model.version}. Generated by MockOps sdk-generator; do not edit.`),
      '#![allow(unused_imports)]',
      '',
      'use serde::{Deserialize, Serialize};',
      'use std::collections::BTreeMap;',
      '',
    ];
    for (const m of this.model.models) out.push(...this.modelDecl(m), '');
    return out.join('\n');
  }

  private modelDecl(m: NamedModel): string[] {
    const name = this.typeNames.get(m.name)!;
    const doc = docs('', m.description);
    const derive = '#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]';
    switch (m.kind) {
      case 'object': {
        const fields = new UniqueNamer();
        const lines = [...doc, derive, `pub struct ${name} {`];
        for (const p of m.properties) {
          const field = fields.claim(N.member(p.wireName));
          const inner = this.type(p.type, m.name);
          const optional = !p.required && p.type.kind !== 'nullable';
          const attrs: string[] = [];
          if (field !== p.wireName) attrs.push(`rename = ${rustString(p.wireName)}`);
          if (!p.required || p.type.kind === 'nullable') attrs.push('default', 'skip_serializing_if = "Option::is_none"');
          lines.push(...docs('    ', p.description));
          if (p.deprecated) lines.push('    #[deprecated]');
          if (attrs.length) lines.push(`    #[serde(${attrs.join(', ')})]`);
          lines.push(`    pub ${field}: ${optional ? `Option<${inner}>` : inner},`);
        }
        if (m.additionalProperties) {
          lines.push('    /// Keys not declared above.', '    #[serde(flatten)]');
          lines.push(`    pub ${fields.claim('additional_properties')}: BTreeMap<String, ${this.type(m.additionalProperties)}>,`);
        }
        lines.push('}');
        // Deprecated fields would warn inside the derive expansions otherwise.
        return m.properties.some((p) => p.deprecated) ? ['#[allow(deprecated)]', ...lines] : lines;
      }
      case 'enum':
        return m.valueType === 'string' ? this.stringEnum(name, m.values as string[], doc) : this.intEnum(name, m.values as number[], doc);
      case 'union': {
        const variants = new UniqueNamer();
        const lines = [...doc, derive, '#[serde(untagged)]', `pub enum ${name} {`];
        for (const v of m.variants) lines.push(`    ${variants.claim(this.variantName(v))}(${this.type(v, m.name)}),`);
        if (m.variants.length === 0) lines.push('    Value(serde_json::Value),');
        lines.push('}');
        return lines;
      }
      case 'alias':
        if (this.newtypes.has(m.name)) {
          return [...doc, derive, '#[serde(transparent)]', `pub struct ${name}(pub ${this.type(m.type, m.name)});`];
        }
        return [...doc, `pub type ${name} = ${this.type(m.type)};`];
    }
  }

  private variantName(t: TypeRef): string {
    switch (t.kind) {
      case 'primitive':
        return { string: 'String', integer: 'Integer', number: 'Number', boolean: 'Boolean', any: 'Value', binary: 'Bytes' }[t.type];
      case 'ref':
        return this.typeNames.get(t.name)!;
      case 'array':
        return `${this.variantName(t.items)}List`;
      case 'map':
        return `${this.variantName(t.values)}Map`;
      case 'nullable':
        return this.variantName(t.inner);
    }
  }

  private stringEnum(name: string, values: string[], doc: string[]): string[] {
    const variants = new UniqueNamer(['Self']);
    return [
      ...doc,
      '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]',
      `pub enum ${name} {`,
      ...values.flatMap((v) => [`    #[serde(rename = ${rustString(v)})]`, `    ${variants.claim(N.constant(v) === 'Value' ? 'Empty' : N.constant(v))},`]),
      '}',
    ];
  }

  private intEnum(name: string, values: number[], doc: string[]): string[] {
    const variants = new UniqueNamer(['Self']);
    const named = values.map((v) => ({ v, id: variants.claim(v < 0 ? `Minus${-v}` : `V${v}`) }));
    return [
      ...doc,
      '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]',
      '#[serde(try_from = "i64", into = "i64")]',
      `pub enum ${name} {`,
      ...named.map(({ id }) => `    ${id},`),
      '}',
      '',
      `impl From<${name}> for i64 {`,
      `    fn from(value: ${name}) -> i64 {`,
      '        match value {',
      ...named.map(({ v, id }) => `            ${name}::${id} => ${v},`),
      '        }',
      '    }',
      '}',
      '',
      `impl TryFrom<i64> for ${name} {`,
      '    type Error = String;',
      '    fn try_from(value: i64) -> Result<Self, String> {',
      '        match value {',
      ...named.map(({ v, id }) => `            ${v} => Ok(${name}::${id}),`),
      `            other => Err(format!("unknown ${name} value {}", other)),`,
      '        }',
      '    }',
      '}',
    ];
  }

  // ---- client.rs -----------------------------------------------------------------------------

  private client(): string {
    const schemes = this.model.securitySchemes;
    const creds = schemes.map((s) => ({ s, name: this.credNames.get(s.name)! }));
    const out = [
      ...C.inner(`HTTP client for ${this.model.title} ${this.model.version}. Generated by MockOps sdk-generator; do not edit.`),
      '// Not every API uses every helper (cookies, raw bodies, Basic auth).',
      '#![allow(unused_imports, unused_mut, dead_code, clippy::too_many_arguments)]',
      '',
      'use crate::models::*;',
      'use serde::de::DeserializeOwned;',
      'use serde::Serialize;',
      'use std::collections::BTreeMap;',
      'use std::io::Read;',
      'use std::time::Duration;',
      '',
      '/// Default base URL from the API description.',
      `pub const DEFAULT_BASE_URL: &str = ${rustString(this.model.baseUrl)};`,
      '',
      '/// Everything a call can fail with. `Api` is a non-2xx response; decode its body with `Error::body_as`.',
      '#[derive(Debug)]',
      'pub enum Error {',
      '    Api { operation: &\'static str, status: u16, body: String },',
      '    Transport(String),',
      '    Json(serde_json::Error),',
      '}',
      '',
      'impl Error {',
      '    /// HTTP status of a non-2xx response.',
      '    pub fn status(&self) -> Option<u16> {',
      '        match self {',
      '            Error::Api { status, .. } => Some(*status),',
      '            _ => None,',
      '        }',
      '    }',
      '',
      '    /// The error body decoded as the type the API documents for that status.',
      '    pub fn body_as<T: DeserializeOwned>(&self) -> Option<T> {',
      '        match self {',
      '            Error::Api { body, .. } => serde_json::from_str(body).ok(),',
      '            _ => None,',
      '        }',
      '    }',
      '}',
      '',
      'impl std::fmt::Display for Error {',
      '    fn fmt(&self, f: &mut std::fmt::Formatter<\'_>) -> std::fmt::Result {',
      '        match self {',
      '            Error::Api { operation, status, .. } => write!(f, "{} failed with HTTP {}", operation, status),',
      '            Error::Transport(message) => write!(f, "transport error: {}", message),',
      '            Error::Json(err) => write!(f, "invalid JSON: {}", err),',
      '        }',
      '    }',
      '}',
      '',
      'impl std::error::Error for Error {}',
      '',
      '/// Credentials per security scheme; each is sent only to operations that accept that scheme.',
      '#[derive(Clone, Debug, Default)]',
      'pub struct Credentials {',
      ...creds.flatMap(({ s, name }) => [
        ...docs('    ', s.description ?? `Security scheme \`${s.name}\`.`),
        `    pub ${name}: Option<${s.kind === 'basic' ? '(String, String)' : 'String'}>,`,
      ]),
      '}',
      '',
      'fn encode(value: &str) -> String {',
      '    let mut out = String::new();',
      '    for b in value.bytes() {',
      '        match b {',
      "            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),",
      '            _ => out.push_str(&format!("%{:02X}", b)),',
      '        }',
      '    }',
      '    out',
      '}',
      '',
      'fn base64(input: &[u8]) -> String {',
      '    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";',
      '    let mut out = String::new();',
      '    for chunk in input.chunks(3) {',
      '        let n = (chunk[0] as u32) << 16 | (*chunk.get(1).unwrap_or(&0) as u32) << 8 | *chunk.get(2).unwrap_or(&0) as u32;',
      '        for i in 0..4 {',
      "            out.push(if i <= chunk.len() { TABLE[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });",
      '        }',
      '    }',
      '    out',
      '}',
      '',
      '/// A parameter value as the strings sent on the wire (arrays give one string per element).',
      'fn wire_values<T: Serialize + ?Sized>(value: &T) -> Vec<String> {',
      '    fn scalar(v: &serde_json::Value) -> Option<String> {',
      '        match v {',
      '            serde_json::Value::Null => None,',
      '            serde_json::Value::String(s) => Some(s.clone()),',
      '            other => Some(other.to_string()),',
      '        }',
      '    }',
      '    match serde_json::to_value(value) {',
      '        Ok(serde_json::Value::Array(items)) => items.iter().filter_map(scalar).collect(),',
      '        Ok(v) => scalar(&v).into_iter().collect(),',
      '        Err(_) => Vec::new(),',
      '    }',
      '}',
      '',
      '/// Request parts collected by the generated methods.',
      '#[derive(Default)]',
      'struct Call {',
      '    query: Vec<(String, String)>,',
      '    headers: Vec<(String, String)>,',
      '    cookies: Vec<String>,',
      '    body: Option<(String, Vec<u8>)>,',
      '}',
      '',
      'impl Call {',
      '    fn query<T: Serialize + ?Sized>(&mut self, name: &str, value: &T, explode: bool) {',
      '        let values = wire_values(value);',
      '        if explode {',
      '            self.query.extend(values.into_iter().map(|v| (name.to_string(), v)));',
      '        } else if !values.is_empty() {',
      '            self.query.push((name.to_string(), values.join(",")));',
      '        }',
      '    }',
      '',
      '    fn header<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {',
      '        let values = wire_values(value);',
      '        if !values.is_empty() {',
      '            self.headers.push((name.to_string(), values.join(",")));',
      '        }',
      '    }',
      '',
      '    fn cookie<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {',
      '        if let Some(v) = wire_values(value).into_iter().next() {',
      '            self.cookies.push(format!("{}={}", name, encode(&v)));',
      '        }',
      '    }',
      '',
      '    fn json<T: Serialize + ?Sized>(&mut self, content_type: &str, value: &T) -> Result<(), Error> {',
      '        self.body = Some((content_type.to_string(), serde_json::to_vec(value).map_err(Error::Json)?));',
      '        Ok(())',
      '    }',
      '',
      '    fn form<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {',
      '        let mut pairs = Vec::new();',
      '        if let serde_json::Value::Object(map) = serde_json::to_value(value).map_err(Error::Json)? {',
      '            for (k, v) in map {',
      '                for item in wire_values(&v) {',
      '                    pairs.push(format!("{}={}", encode(&k), encode(&item)));',
      '                }',
      '            }',
      '        }',
      '        self.body = Some(("application/x-www-form-urlencoded".to_string(), pairs.join("&").into_bytes()));',
      '        Ok(())',
      '    }',
      '',
      '    fn multipart<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {',
      '        let boundary = "mockops-sdk-boundary-7d1b3c9e";',
      '        let mut out: Vec<u8> = Vec::new();',
      '        if let serde_json::Value::Object(map) = serde_json::to_value(value).map_err(Error::Json)? {',
      '            for (k, v) in map {',
      '                for item in wire_values(&v) {',
      '                    out.extend_from_slice(format!("--{}\\r\\nContent-Disposition: form-data; name=\\"{}\\"\\r\\n\\r\\n{}\\r\\n", boundary, k, item).as_bytes());',
      '                }',
      '            }',
      '        }',
      '        out.extend_from_slice(format!("--{}--\\r\\n", boundary).as_bytes());',
      '        self.body = Some((format!("multipart/form-data; boundary={}", boundary), out));',
      '        Ok(())',
      '    }',
      '',
      '    fn raw(&mut self, content_type: &str, value: &[u8]) {',
      '        self.body = Some((content_type.to_string(), value.to_vec()));',
      '    }',
      '}',
      '',
      '/// Blocking HTTP transport shared by the generated clients (ureq agent, base URL, credentials).',
      '#[derive(Clone)]',
      'pub struct HttpTransport {',
      '    base_url: String,',
      '    agent: ureq::Agent,',
      '    headers: Vec<(String, String)>,',
      '    /// Credentials sent to the operations that accept them.',
      '    pub credentials: Credentials,',
      '}',
      '',
      'impl HttpTransport {',
      '    pub fn new(base_url: &str) -> Self {',
      '        HttpTransport {',
      "            base_url: base_url.trim_end_matches('/').to_string(),",
      '            agent: ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build(),',
      '            headers: Vec::new(),',
      '            credentials: Credentials::default(),',
      '        }',
      '    }',
      '',
      '    fn apply_credentials(&self, security: &[&str], call: &mut Call) {',
      '        for scheme in security {',
      '            match *scheme {',
      ...creds.flatMap(({ s, name }) => {
        const v = `self.credentials.${name}`;
        switch (s.kind) {
          case 'bearer':
            return [`                ${rustString(s.name)} => if let Some(token) = &${v} { call.headers.push(("Authorization".to_string(), format!("Bearer {}", token))) },`];
          case 'basic':
            return [`                ${rustString(s.name)} => if let Some((user, password)) = &${v} { call.headers.push(("Authorization".to_string(), format!("Basic {}", base64(format!("{}:{}", user, password).as_bytes())))) },`];
          case 'apiKey': {
            const action =
              s.in === 'header'
                ? `call.headers.push((${rustString(s.paramName)}.to_string(), key.clone()))`
                : s.in === 'query'
                  ? `call.query.push((${rustString(s.paramName)}.to_string(), key.clone()))`
                  : `call.cookies.push(format!("{}={}", ${rustString(s.paramName)}, encode(key)))`;
            return [`                ${rustString(s.name)} => if let Some(key) = &${v} { ${action} },`];
          }
        }
      }),
      '                _ => {}',
      '            }',
      '        }',
      '    }',
      '',
      '    fn send(&self, operation: &\'static str, method: &str, path: &str, mut call: Call, security: &[&str]) -> Result<Vec<u8>, Error> {',
      '        self.apply_credentials(security, &mut call);',
      '        // Percent-encoded here (RFC 3986 unreserved only): ureq\'s query() leaves `*` and writes spaces as `+`.',
      '        let query: Vec<String> = call.query.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();',
      '        let url = if query.is_empty() { format!("{}{}", self.base_url, path) } else { format!("{}{}?{}", self.base_url, path, query.join("&")) };',
      '        let mut request = self.agent.request(method, &url);',
      '        for (k, v) in &self.headers {',
      '            request = request.set(k, v);',
      '        }',
      '        for (k, v) in &call.headers {',
      '            request = request.set(k, v);',
      '        }',

      '        if !call.cookies.is_empty() {',
      '            request = request.set("Cookie", &call.cookies.join("; "));',
      '        }',
      '        let result = match &call.body {',
      '            Some((content_type, bytes)) => request.set("Content-Type", content_type).send_bytes(bytes),',
      '            None => request.call(),',
      '        };',
      '        match result {',
      '            Ok(response) => {',
      '                let mut buf = Vec::new();',
      '                response.into_reader().read_to_end(&mut buf).map_err(|e| Error::Transport(e.to_string()))?;',
      '                Ok(buf)',
      '            }',
      '            Err(ureq::Error::Status(status, response)) => {',
      '                let body = response.into_string().unwrap_or_default();',
      '                Err(Error::Api { operation, status, body })',
      '            }',
      '            Err(err) => Err(Error::Transport(err.to_string())),',
      '        }',
      '    }',
      '',
      '    fn send_json<T: DeserializeOwned>(&self, operation: &\'static str, method: &str, path: &str, call: Call, security: &[&str]) -> Result<T, Error> {',
      '        let bytes = self.send(operation, method, path, call, security)?;',
      '        // An empty body decodes as JSON null (so Option / Value results work).',
      '        serde_json::from_slice(if bytes.is_empty() { b"null" } else { &bytes }).map_err(Error::Json)',
      '    }',
      '}',
      '',
    ];
    if (this.model.source === 'openapi') appendAll(out, this.apiClient());
    for (const s of this.model.services) appendAll(out, this.rpcService(s));
    return out.join('\n');
  }

  /** Parameter type in a method signature: small primitives by value, others by reference. */
  private argType(t: TypeRef, required: boolean): string {
    const byValue = t.kind === 'primitive' && ['integer', 'number', 'boolean'].includes(t.type);
    const str = t.kind === 'primitive' && t.type === 'string';
    const base = byValue ? this.type(t) : str ? '&str' : `&${this.type(t)}`;
    return required ? base : `Option<${base}>`;
  }

  private resultType(op: Operation): string {
    if (!op.success?.type) return '()';
    if (op.success.encoding === 'text') return 'String';
    if (op.success.encoding === 'binary') return 'Vec<u8>';
    return this.type(op.success.type);
  }

  private apiClient(): string[] {
    const methods: string[] = [];
    for (const op of this.model.operations) {
      const { method, params: named } = this.ops.get(op.id)!;
      const params = op.parameters.map((p, i) => ({ p, name: named[i].name }));
      const ordered = [...params.filter(({ p }) => p.required), ...params.filter(({ p }) => !p.required)];
      const args = ordered.map(({ p, name }) => `${name}: ${this.argType(p.type, p.required)}`);
      const body = op.body;
      if (body) {
        const bt = body.encoding === 'text' ? 'str' : body.encoding === 'binary' ? '[u8]' : this.type(body.type);
        args.splice(body.required ? params.filter(({ p }) => p.required).length : args.length, 0, `body: ${body.required ? `&${bt}` : `Option<&${bt}>`}`);
      }
      const result = this.resultType(op);
      const pathArgs: string[] = [];
      const fmtStr = op.path
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const found = /^\{.+\}$/.test(part) && params.find(({ p }) => p.in === 'path' && `{${p.wireName}}` === part);
          if (!found) return part.replace(/[{}]/g, (c) => c + c);
          pathArgs.push(`encode(&wire_values(&${found.name}).join(","))`);
          return '{}';
        })
        .join('');
      const lines: string[] = ['        let mut call = Call::default();'];
      for (const { p, name } of params) {
        if (p.in === 'path') continue;
        const stmt =
          p.in === 'query' ? `call.query(${rustString(p.wireName)}, &${name}, ${p.explode})` : p.in === 'header' ? `call.header(${rustString(p.wireName)}, &${name})` : `call.cookie(${rustString(p.wireName)}, &${name})`;
        lines.push(`        ${stmt};`);
      }
      if (body) {
        const apply = (v: string) =>
          body.encoding === 'json'
            ? `call.json(${rustString(body.contentType)}, ${v})?`
            : body.encoding === 'form'
              ? `call.form(${v})?`
              : body.encoding === 'multipart'
                ? `call.multipart(${v})?`
                : body.encoding === 'text'
                  ? `call.raw(${rustString(body.contentType)}, ${v}.as_bytes())`
                  : `call.raw(${rustString(body.contentType)}, ${v})`;
        lines.push(body.required ? `        ${apply('body')};` : `        if let Some(body) = body {\n            ${apply('body')};\n        }`);
      }
      const pathExpr = pathArgs.length ? `&format!(${rustString(fmtStr)}, ${pathArgs.join(', ')})` : rustString(op.path);
      const security = `&[${op.security.map(rustString).join(', ')}]`;
      const send = `self.transport.send(${rustString(method)}, ${rustString(op.method)}, ${pathExpr}, call, ${security})`;
      if (result === '()') lines.push(`        ${send}?;`, '        Ok(())');
      else if (result === 'String' && op.success?.encoding === 'text') lines.push(`        Ok(String::from_utf8_lossy(&${send}?).into_owned())`);
      else if (result === 'Vec<u8>' && op.success?.encoding === 'binary') lines.push(`        ${send}`);
      else lines.push(`        self.transport.send_json(${rustString(method)}, ${rustString(op.method)}, ${pathExpr}, call, ${security})`);
      const errorTypes = [...new Set(op.errors.filter((e) => e.type && e.encoding === 'json').map((e) => this.type(e.type!)))];
      methods.push(
        '',
        ...docs(
          '    ',
          op.summary,
          op.description && op.description !== op.summary ? op.description : undefined,
          `\`${op.method} ${op.path}\``,
          errorTypes.length ? `Non-2xx: \`Error::Api\`; decode its body with \`body_as::<${errorTypes[0]}>()\`.` : undefined,
        ),
        ...(op.deprecated ? ['    #[deprecated]'] : []),
        `    pub fn ${method}(&self${args.map((a) => `, ${a}`).join('')}) -> Result<${result}, Error> {`,
        ...lines,
        '    }',
      );
    }
    return [
      ...docs('', `Client for ${this.model.title} ${this.model.version}.`, this.model.description?.split('\n')[0]),
      '#[derive(Clone)]',
      `pub struct ${this.clientName} {`,
      '    pub transport: HttpTransport,',
      '}',
      '',
      `impl ${this.clientName} {`,
      '    /// A client for `base_url` (use `DEFAULT_BASE_URL` for the one in the API description).',
      '    pub fn new(base_url: &str) -> Self {',
      `        ${this.clientName} { transport: HttpTransport::new(base_url) }`,
      '    }',
      '',
      '    pub fn with_credentials(mut self, credentials: Credentials) -> Self {',
      '        self.transport.credentials = credentials;',
      '        self',
      '    }',
      '',
      '    /// A header sent with every request.',
      '    pub fn with_header(mut self, name: &str, value: &str) -> Self {',
      '        self.transport.headers.push((name.to_string(), value.to_string()));',
      '        self',
      '    }',
      ...methods,
      '}',
      '',
    ];
  }

  private rpcService(s: RpcService): string[] {
    const { trait, cls } = this.serviceNames.get(s.name)!;
    const methodNames = this.rpcNames.get(s.name)!;
    const methods = s.methods.map((m) => {
      const req = this.typeNames.get(m.requestType)!;
      const res = this.typeNames.get(m.responseType)!;
      return { m, name: methodNames.get(m.name)!, req: m.requestStream ? `[${req}]` : req, res: m.responseStream ? `Vec<${res}>` : res };
    });
    return [
      ...docs('', s.description, `Typed interface of \`${s.fullName}\`.`),
      `pub trait ${trait} {`,
      ...methods.flatMap(({ m, name, req, res }) => [...docs('    ', m.description), `    fn ${name}(&self, request: &${req}) -> Result<${res}, Error>;`]),
      '}',
      '',
      `/// Connect protocol (unary, JSON codec) client of \`${s.fullName}\`: POST {base_url}/${s.fullName}/{Method} with the proto3 JSON body.`,
      '#[derive(Clone)]',
      `pub struct ${cls} {`,
      '    pub transport: HttpTransport,',
      '}',
      '',
      `impl ${cls} {`,
      '    pub fn new(base_url: &str) -> Self {',
      `        ${cls} { transport: HttpTransport::new(base_url) }`,
      '    }',
      '}',
      '',
      `impl ${trait} for ${cls} {`,
      ...methods.flatMap(({ m, name, req, res }, i) => [
        ...(i ? [''] : []),
        `    fn ${name}(&self, request: &${req}) -> Result<${res}, Error> {`,
        '        let mut call = Call::default();',
        '        call.header("Connect-Protocol-Version", "1");',
        '        call.json("application/json", request)?;',
        `        self.transport.send_json(${rustString(`${s.fullName}/${m.name}`)}, "POST", ${rustString(`/${s.fullName}/${m.name}`)}, call, &[])`,
        '    }',
      ]),
      '}',
      '',
    ];
  }

  // ---- crate files ---------------------------------------------------------------------------

  private lib(): string {
    return [
      ...C.inner(`Rust client for ${this.model.title} ${this.model.version}.`),
      '//! Generated by MockOps sdk-generator; do not edit.',
      '#![allow(clippy::large_enum_variant)]',
      '',
      'pub mod client;',
      'pub mod models;',
      '',
      'pub use client::*;',
      'pub use models::*;',
      '',
    ].join('\n');
  }

  private cargoToml(): string {
    return [
      '[package]',
      `name = ${tomlString(this.crate)}`,
      `version = ${tomlString(semver(this.model.version))}`,
      'edition = "2021"',
      `description = ${tomlString(`Rust client for ${this.model.title}`)}`,
      'license = "UNLICENSED"',
      '',
      '[lib]',
      'path = "src/lib.rs"',
      '',
      '[dependencies]',
      'serde = { version = "1.0", features = ["derive"] }',
      'serde_json = "1.0"',
      'ureq = "2.6"',
      '',
    ].join('\n');
  }

  private readme(): string {
    const lib = this.libName;
    const usage =
      this.model.source === 'openapi'
        ? [`use ${lib}::{${this.clientName}, Error};`, '', `let client = ${this.clientName}::new(${rustString(this.model.baseUrl || 'https://api.example.com')});`]
        : [...this.serviceNames.values()].map((n) => `let client = ${lib}::${n.cls}::new("http://localhost:8080");`);
    return [
      `# ${this.crate}`,
      '',
      `Rust client for **${this.model.title}** (${this.model.version}), generated by MockOps sdk-generator.`,
      'Models derive serde `Serialize`/`Deserialize`; the client is blocking (ureq 2).',
      '',
      '```rust,ignore',
      ...usage,
      '```',
      '',
      'A non-2xx response is `Error::Api { status, body, .. }`; `error.body_as::<T>()` decodes the body.',
      '',
    ].join('\n');
  }
}
