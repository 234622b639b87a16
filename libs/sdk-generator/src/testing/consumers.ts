/**
 * Test programs that use a generated SDK the way a developer would: construct the client with
 * credentials, call the planned operations with literal arguments, bind each result to the type the
 * description names (so the compiler checks type identity), and print what came back as JSON. One program
 * per language, written next to the SDK it uses.
 */
import type { ApiModel, SecurityScheme, TypeRef } from '../lib/api-model';
import type { ClientSurface } from '../lib/emitters/emitter';
import { rustString } from '../lib/emitters/rust.emitter';
import type { CallPlan, PlannedCall } from './call-plan';
import type { ProtoPlan } from './proto-check';
import { TEST_CREDENTIALS } from './spec-server';

const json = (v: unknown) => JSON.stringify(v);

// ---- TypeScript ---------------------------------------------------------------------------------

export function typescriptProgram(model: ApiModel, surface: ClientSurface, plan: CallPlan, sdkPath: string): string {
  const creds = model.securitySchemes.map((s) => `${surface.credentials.get(s.name)}: ${s.kind === 'basic' ? json({ username: TEST_CREDENTIALS.username, password: TEST_CREDENTIALS.password }) : json(credential(s))}`);
  const lines = [
    '// Generated test program: calls the API through its generated TypeScript client.',
    'declare const process: { argv: string[] };',
    `import * as sdk from ${json(`${sdkPath}/index`)};`,
    `import type * as M from ${json(`${sdkPath}/models`)};`,
    '',
    'async function main(baseUrl: string): Promise<void> {',
    `  const client = new sdk.${surface.clientClass}({ baseUrl, credentials: { ${creds.join(', ')} } });`,
    '  const out: unknown[] = [];',
  ];
  plan.calls.forEach((c, i) => {
    const ops = surface.operations.get(c.op.id)!;
    const fields = c.args.map((a) => `${ops.params[c.op.parameters.indexOf(a.param)].name}: ${json(a.value)}`);
    if (c.body !== undefined) fields.push(`body: ${json(c.body)}`);
    const type = c.returns ? `: M.${surface.typeNames.get(c.returns.model)}${c.returns.array ? '[]' : ''}` : '';
    const call = `client.${ops.method}(${fields.length ? `{ ${fields.join(', ')} }` : ''})`;
    lines.push(
      '  try {',
      ...(c.op.success?.type ? [`    const r${i}${type} = await ${call};`, `    out.push({ value: r${i} ?? null });`] : [`    await ${call};`, '    out.push({ value: null });']),
      '  } catch (e) {',
      '    out.push({ error: e instanceof sdk.ApiError ? `HTTP ${e.status}: ${JSON.stringify(e.body)}` : String(e) });',
      '  }',
    );
  });
  lines.push('  console.log(JSON.stringify(out));', '}', '', 'void main(process.argv[2]);', '');
  return lines.join('\n');
}

function credential(s: SecurityScheme): string {
  return s.kind === 'apiKey' ? TEST_CREDENTIALS.apiKey : TEST_CREDENTIALS.token;
}

// ---- Python -------------------------------------------------------------------------------------

export function pythonLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'None';
  if (typeof v === 'string') return json(v);
  if (Array.isArray(v)) return `[${v.map(pythonLiteral).join(', ')}]`;
  return `{${Object.entries(v as object).map(([k, x]) => `${json(k)}: ${pythonLiteral(x)}`).join(', ')}}`;
}

export function pythonProgram(model: ApiModel, surface: ClientSurface, plan: CallPlan): string {
  const creds = model.securitySchemes.map((s) =>
    s.kind === 'basic' ? `${surface.credentials.get(s.name)}=(${json(TEST_CREDENTIALS.username)}, ${json(TEST_CREDENTIALS.password)})` : `${surface.credentials.get(s.name)}=${json(credential(s))}`,
  );
  const lines = [
    '"""Generated test program: calls the API through its generated Python client."""',
    'import json',
    'import sys',
    '',
    `from ${surface.module} import models as m`,
    `from ${surface.module} import ApiError, ${surface.clientClass}`,
    '',
    '',
    'def main(base_url: str) -> None:',
    `    client = ${surface.clientClass}(${['base_url', ...creds].join(', ')})`,
    '    out: list[object] = []',
  ];
  plan.calls.forEach((c, i) => {
    const ops = surface.operations.get(c.op.id)!;
    const kwargs = c.args.map((a) => `${ops.params[c.op.parameters.indexOf(a.param)].name}=${pythonLiteral(a.value)}`);
    if (c.body !== undefined) kwargs.push(`body=${pythonLiteral(c.body)}`);
    const type = c.returns ? `: ${c.returns.array ? `list[m.${surface.typeNames.get(c.returns.model)}]` : `m.${surface.typeNames.get(c.returns.model)}`}` : '';
    const call = `client.${ops.method}(${kwargs.join(', ')})`;
    lines.push(
      '    try:',
      ...(c.op.success?.type ? [`        r${i}${type} = ${call}`, `        out.append({"value": r${i}})`] : [`        ${call}`, '        out.append({"value": None})']),
      '    except ApiError as e:',
      '        out.append({"error": f"HTTP {e.status}: {json.dumps(e.body)}"})',
      '    except Exception as e:',
      '        out.append({"error": repr(e)})',
    );
  });
  lines.push('    print(json.dumps(out))', '', '', 'if __name__ == "__main__":', '    main(sys.argv[1])', '');
  return lines.join('\n');
}

// ---- Rust ---------------------------------------------------------------------------------------

/** An argument expression for a parameter of type `t` (by value, `&str`, or `&T` decoded from JSON). */
function rustArg(t: TypeRef, value: unknown, required: boolean, textBody = false): string {
  let expr: string;
  if (textBody || (t.kind === 'primitive' && t.type === 'string')) expr = rustString(String(value));
  else if (t.kind === 'primitive' && t.type === 'integer') expr = `${value}_i64`;
  else if (t.kind === 'primitive' && t.type === 'number') expr = `(${value} as f64)`;
  else if (t.kind === 'primitive' && t.type === 'boolean') expr = String(value);
  else expr = `&serde_json::from_str(${rustString(json(value))}).expect("argument decodes into its type")`;
  return required ? expr : `Some(${expr})`;
}

/** The body is always passed by reference: `&str` for text, `&T` otherwise (`&String`, `&i64`, ...). */
function rustBodyArg(t: TypeRef, value: unknown, required: boolean, text: boolean): string {
  let expr: string;
  if (text) expr = rustString(String(value));
  else if (t.kind === 'primitive' && t.type === 'string') expr = `&${rustString(String(value))}.to_string()`;
  else if (t.kind === 'primitive' && t.type === 'integer') expr = `&${value}_i64`;
  else if (t.kind === 'primitive' && t.type === 'number') expr = `&(${value} as f64)`;
  else if (t.kind === 'primitive' && t.type === 'boolean') expr = `&${value}`;
  else expr = `&serde_json::from_str(${rustString(json(value))}).expect("body decodes into its type")`;
  return required ? expr : `Some(${expr})`;
}

export function rustModule(model: ApiModel, surface: ClientSurface, plan: CallPlan): string {
  const lib = surface.module;
  const creds = model.securitySchemes.map((s) =>
    s.kind === 'basic'
      ? `${surface.credentials.get(s.name)}: Some((${rustString(TEST_CREDENTIALS.username)}.to_string(), ${rustString(TEST_CREDENTIALS.password)}.to_string()))`
      : `${surface.credentials.get(s.name)}: Some(${rustString(credential(s))}.to_string())`,
  );
  const lines = [
    '//! Generated test program: calls the API through its generated Rust client.',
    `use ${lib} as sdk;`,
    '',
    'pub fn run(base_url: &str) -> String {',
    `    let client = sdk::${surface.clientClass}::new(base_url)${creds.length ? `.with_credentials(sdk::Credentials { ${creds.join(', ')} })` : ''};`,
    '    let mut out: Vec<serde_json::Value> = Vec::new();',
  ];
  plan.calls.forEach((c: PlannedCall) => {
    const ops = surface.operations.get(c.op.id)!;
    void ops;
    const given = new Map(c.args.map((a) => [a.param, a.value]));
    const arg = (p: (typeof c.op.parameters)[number]) => (given.has(p) ? rustArg(p.type, given.get(p), p.required) : 'None');
    const required = c.op.parameters.filter((p) => p.required).map(arg);
    const optional = c.op.parameters.filter((p) => !p.required).map(arg);
    const args = [...required, ...optional];
    if (c.op.body) {
      const b = c.body === undefined ? 'None' : rustBodyArg(c.op.body.type, c.body, c.op.body.required, c.op.body.encoding === 'text');
      args.splice(c.op.body.required ? required.length : args.length, 0, b);
    }
    const typeName = c.returns ? `sdk::models::${surface.typeNames.get(c.returns.model)}` : undefined;
    const bind = typeName ? `let r: ${c.returns!.array ? `Vec<${typeName}>` : typeName} = r;` : '';
    lines.push(
      `    match client.${surface.operations.get(c.op.id)!.method}(${args.join(', ')}) {`,
      `        Ok(r) => { ${bind} out.push(serde_json::json!({ "value": serde_json::to_value(&r).expect("result encodes") })); }`,
      '        Err(e) => out.push(serde_json::json!({ "error": format!("{} {:?}", e, e) })),',
      '    }',
    );
  });
  lines.push('    serde_json::to_string(&out).expect("output encodes")', '}', '');
  return lines.join('\n');
}

/** Cargo.toml + main.rs of the one binary that runs every entry's Rust program (`<bin> <entry> <base>`). */
export function rustRunner(name: string, entries: { id: string; crateDir: string; crate: string }[]): { cargoToml: string; main: string } {
  const mod = (id: string) => `e_${id.replace(/[^a-z0-9]/gi, '_')}`;
  return {
    cargoToml: [
      '[package]',
      `name = ${json(name)}`,
      'version = "0.0.0"',
      'edition = "2021"',
      'publish = false',
      '',
      '[dependencies]',
      'serde_json = "1.0"',
      ...entries.map((e) => `${e.crate.replace(/_/g, '-')} = { path = ${json(e.crateDir)} }`),
      '',
    ].join('\n'),
    main: [
      '//! Runs one entry\'s generated Rust test program: `<binary> <entry id> <base url>`.',
      ...entries.map((e) => `mod ${mod(e.id)};`),
      '',
      'fn main() {',
      '    let args: Vec<String> = std::env::args().collect();',
      '    let out = match args[1].as_str() {',
      ...entries.map((e) => `        ${json(e.id)} => ${mod(e.id)}::run(&args[2]),`),
      '        other => panic!("unknown entry {}", other),',
      '    };',
      '    println!("{}", out);',
      '}',
      '',
    ].join('\n'),
  };
}

export const rustModuleFile = (id: string) => `e_${id.replace(/[^a-z0-9]/gi, '_')}.rs`;

// ---- Protobuf: message round trips and Connect calls ---------------------------------------------

export function typescriptProtoProgram(surface: ClientSurface, plan: ProtoPlan, sdkPath: string): string {
  const lines = [
    '// Generated test program: proto3 JSON round trips and Connect calls through the generated TypeScript SDK.',
    'declare const process: { argv: string[] };',
    `import * as sdk from ${json(`${sdkPath}/index`)};`,
    `import type * as M from ${json(`${sdkPath}/models`)};`,
    '',
    'const canonical = (v: unknown): string =>',
    "  JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));",
    '',
    'async function main(baseUrl: string): Promise<void> {',
    '  const encoded: Record<string, unknown> = {};',
    '  const decodedEqual: Record<string, boolean> = {};',
  ];
  plan.messages.forEach((m, i) => {
    const t = `M.${surface.typeNames.get(m.model)}`;
    lines.push(
      `  const v${i}: ${t} = ${json(m.sample)};`,
      `  encoded[${json(m.model)}] = JSON.parse(JSON.stringify(v${i}));`,
      `  const w${i}: ${t} = JSON.parse(${json(json(m.viaWire))}) as ${t};`,
      `  decodedEqual[${json(m.model)}] = canonical(w${i}) === canonical(v${i});`,
    );
  });
  lines.push('  const calls: unknown[] = [];');
  plan.rpcs.forEach((r, i) => {
    const s = surface.services.get(r.service)!;
    lines.push(
      '  try {',
      `    const client: sdk.${s.iface} = new sdk.${s.client}({ baseUrl });`,
      `    const r${i}: M.${surface.typeNames.get(r.responseModel)} = await client.${s.methods.get(r.method)}(${json(r.request)});`,
      `    calls.push({ value: r${i} });`,
      '  } catch (e) {',
      '    calls.push({ error: e instanceof sdk.ApiError ? `HTTP ${e.status}: ${JSON.stringify(e.body)}` : String(e) });',
      '  }',
    );
  });
  lines.push('  console.log(JSON.stringify({ encoded, decodedEqual, calls }));', '}', '', 'void main(process.argv[2]);', '');
  return lines.join('\n');
}

export function pythonProtoProgram(surface: ClientSurface, plan: ProtoPlan): string {
  const services = [...new Set(plan.rpcs.map((r) => surface.services.get(r.service)!))];
  const lines = [
    '"""Generated test program: proto3 JSON round trips and Connect calls through the generated Python SDK."""',
    'import json',
    'import sys',
    '',
    `from ${surface.module} import models as m`,
    `from ${surface.module} import ApiError${services.map((s) => `, ${s.client}, ${s.iface}`).join('')}`,
    '',
    '',
    'def main(base_url: str) -> None:',
    '    encoded: dict[str, object] = {}',
    '    decoded_equal: dict[str, bool] = {}',
  ];
  plan.messages.forEach((m, i) => {
    const t = `m.${surface.typeNames.get(m.model)}`;
    lines.push(
      `    v${i}: ${t} = ${pythonLiteral(m.sample)}`,
      `    encoded[${json(m.model)}] = v${i}`,
      `    w${i}: ${t} = json.loads(${json(json(m.viaWire))})`,
      `    decoded_equal[${json(m.model)}] = w${i} == v${i}`,
    );
  });
  lines.push('    calls: list[object] = []');
  plan.rpcs.forEach((r, i) => {
    const s = surface.services.get(r.service)!;
    lines.push(
      '    try:',
      `        client${i}: ${s.iface} = ${s.client}(base_url)`,
      `        r${i}: m.${surface.typeNames.get(r.responseModel)} = client${i}.${s.methods.get(r.method)}(${pythonLiteral(r.request)})`,
      `        calls.append({"value": r${i}})`,
      '    except ApiError as e:',
      '        calls.append({"error": f"HTTP {e.status}: {json.dumps(e.body)}"})',
      '    except Exception as e:',
      '        calls.append({"error": repr(e)})',
    );
  });
  lines.push('    print(json.dumps({"encoded": encoded, "decodedEqual": decoded_equal, "calls": calls}))', '', '', 'if __name__ == "__main__":', '    main(sys.argv[1])', '');
  return lines.join('\n');
}

export function rustProtoModule(surface: ClientSurface, plan: ProtoPlan): string {
  const lines = [
    '//! Generated test program: proto3 JSON round trips and Connect calls through the generated Rust SDK.',
    `use ${surface.module} as sdk;`,
    '',
    'pub fn run(base_url: &str) -> String {',
    '    let mut encoded = serde_json::Map::new();',
    '    let mut decoded_equal = serde_json::Map::new();',
  ];
  plan.messages.forEach((m, i) => {
    const t = `sdk::models::${surface.typeNames.get(m.model)}`;
    lines.push(
      `    let v${i}: ${t} = serde_json::from_str(${rustString(json(m.sample))}).expect("sample decodes");`,
      `    encoded.insert(${rustString(m.model)}.to_string(), serde_json::to_value(&v${i}).expect("encodes"));`,
      `    let w${i}: ${t} = serde_json::from_str(${rustString(json(m.viaWire))}).expect("protobufjs output decodes");`,
      `    decoded_equal.insert(${rustString(m.model)}.to_string(), serde_json::Value::Bool(w${i} == v${i}));`,
    );
  });
  lines.push('    let mut calls: Vec<serde_json::Value> = Vec::new();');
  plan.rpcs.forEach((r) => {
    const s = surface.services.get(r.service)!;
    const resT = `sdk::models::${surface.typeNames.get(r.responseModel)}`;
    lines.push(
      `    match <sdk::${s.client} as sdk::${s.iface}>::${s.methods.get(r.method)}(&sdk::${s.client}::new(base_url), &serde_json::from_str(${rustString(json(r.request))}).expect("request decodes")) {`,
      `        Ok(r) => { let r: ${resT} = r; calls.push(serde_json::json!({ "value": serde_json::to_value(&r).expect("encodes") })); }`,
      '        Err(e) => calls.push(serde_json::json!({ "error": format!("{} {:?}", e, e) })),',
      '    }',
    );
  });
  lines.push('    serde_json::json!({ "encoded": encoded, "decodedEqual": decoded_equal, "calls": calls }).to_string()', '}', '');
  return lines.join('\n');
}
