import { constructFromEvents, EVENT_ID, parseEvents, YAMLException, type Event } from 'js-yaml';
import type { ApiModel } from './api-model';
import { loadOpenApiModel } from './loaders/openapi.loader';
import { loadProtobufModel } from './loaders/protobuf.loader';
import { SdkGenerationError } from './sdk-generation.error';

export type SpecFormat = 'openapi' | 'protobuf' | 'auto';

export interface LoadApiModelInput {
  source: string | Buffer;
  /** Used to detect the format (`.proto`) and to name the place in error messages. */
  filename?: string;
  format?: SpecFormat;
  /** Protobuf imports by import path (`common/money.proto` -> its source). Nothing is read from disk. */
  imports?: Record<string, string>;
  /** Caps applied before anything is expanded; defaults: DEFAULT_SPEC_LIMITS. */
  limits?: SpecLimits;
}

/**
 * Bounds on a spec document, checked before parsing expands it (a 462-byte YAML alias bomb otherwise
 * expands to billions of nodes). Larger than pipeline documents' caps: API descriptions are big
 * (GitHub's is 13 MB of JSON, ~260k nodes, 22 levels deep).
 */
export interface SpecLimits {
  /** Largest accepted source, in UTF-8 bytes. */
  maxBytes?: number;
  /** Cap on YAML nodes counted with every alias expanded. */
  maxNodes?: number;
  /** Cap on nesting depth (JSON, YAML with aliases expanded, Protobuf braces). */
  maxDepth?: number;
}

export const DEFAULT_SPEC_LIMITS: Readonly<Required<SpecLimits>> = Object.freeze({ maxBytes: 32 * 1024 * 1024, maxNodes: 1_000_000, maxDepth: 128 });

function resolveLimits(limits: SpecLimits | undefined): Required<SpecLimits> {
  return { ...DEFAULT_SPEC_LIMITS, ...limits };
}

/**
 * Deepest nesting of `{`/`[` outside strings (JSON) or of `{` outside strings and comments (Protobuf),
 * stopping as soon as it passes `max`: one linear scan, no recursion, before any parser runs.
 */
function nestingExceeds(text: string, max: number, kind: 'json' | 'proto'): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */ || (kind === 'proto' && c === 39) /* ' */) {
      for (i++; i < text.length && text.charCodeAt(i) !== c; i++) if (text.charCodeAt(i) === 92 /* \ */) i++;
    } else if (kind === 'proto' && c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      while (i < text.length && text.charCodeAt(i) !== 10) i++;
    } else if (kind === 'proto' && c === 47 && text.charCodeAt(i + 1) === 42 /* * */) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === 123 /* { */ || (kind === 'json' && c === 91) /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 || (kind === 'json' && c === 93)) {
      depth--;
    }
  }
  return false;
}

/**
 * Walks a YAML event stream counting nodes and depth with every alias expanded (an alias counts as the
 * size and height of its anchor), so a bomb is refused before a single object is constructed.
 */
function checkYamlExpansion(events: Event[], source: string, limits: Required<SpecLimits>, filename: string): void {
  const anchors = new Map<string, { nodes: number; height: number }>();
  let total = 0;
  let i = 0;
  const fail = (what: string): never => {
    throw new SdkGenerationError(what, filename);
  };
  const walk = (depth: number): { nodes: number; height: number } => {
    const ev = events[i++];
    let nodes = 1;
    let height = 1;
    if (ev.type === EVENT_ID.ALIAS) {
      const a = anchors.get(source.slice(ev.anchorStart, ev.anchorEnd)) ?? { nodes: 1, height: 1 };
      nodes = a.nodes;
      height = a.height;
    } else if (ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE) {
      while (events[i].type !== EVENT_ID.POP) {
        const child = walk(depth + 1);
        nodes += child.nodes;
        height = Math.max(height, child.height + 1);
      }
      i++;
    }
    if (ev.type !== EVENT_ID.ALIAS && ev.type !== EVENT_ID.POP && ev.type !== EVENT_ID.DOCUMENT && ev.anchorStart >= 0) {
      anchors.set(source.slice(ev.anchorStart, ev.anchorEnd), { nodes, height });
    }
    total += ev.type === EVENT_ID.ALIAS ? nodes : 1;
    if (total > limits.maxNodes) fail(`document expands to more than ${limits.maxNodes} nodes (YAML anchors/aliases); limit maxNodes`);
    if (depth + height - 1 > limits.maxDepth) fail(`document nests deeper than ${limits.maxDepth} levels (YAML aliases expanded); limit maxDepth`);
    return { nodes, height };
  };
  while (i < events.length) {
    const ev = events[i];
    if (ev.type === EVENT_ID.DOCUMENT || ev.type === EVENT_ID.POP) {
      i++;
      continue;
    }
    walk(1);
  }
}

export function detectFormat(text: string, filename?: string): 'openapi' | 'protobuf' {
  if (filename && /\.proto$/i.test(filename)) return 'protobuf';
  if (filename && /\.(json|ya?ml)$/i.test(filename)) return 'openapi';
  const body = text.replace(/^\uFEFF/, '').trimStart();
  if (body.startsWith('{')) return 'openapi';
  if (/^\s*(openapi|swagger)\s*:/m.test(body)) return 'openapi';
  if (/^\s*(syntax|edition)\s*=\s*["']/m.test(body) || /^\s*(message|service|package)\s+[\w.]+\s*[{;]/m.test(body)) return 'protobuf';
  return 'openapi';
}

/** Parses JSON or YAML within `limits`, reporting the line and column of a syntax error. */
export function parseDocument(text: string, filename: string, limits?: SpecLimits): unknown {
  const caps = resolveLimits(limits);
  const body = text.replace(/^\uFEFF/, '');
  if (body.trimStart().startsWith('{')) {
    if (nestingExceeds(body, caps.maxDepth, 'json')) {
      throw new SdkGenerationError(`document nests deeper than ${caps.maxDepth} levels; limit maxDepth`, filename);
    }
    try {
      return JSON.parse(body);
    } catch (e) {
      throw new SdkGenerationError(`invalid JSON: ${(e as Error).message}`, filename);
    }
  }
  try {
    const events = parseEvents(body, { maxDepth: caps.maxDepth });
    if (events.filter((e) => e.type === EVENT_ID.DOCUMENT).length > 1) throw new SdkGenerationError('expected one YAML document, found several (---)', filename);
    checkYamlExpansion(events, body, caps, filename);
    return constructFromEvents(events, { source: body })[0];
  } catch (e) {
    if (e instanceof SdkGenerationError) throw e;
    const err = e as Error & { mark?: { line: number; column: number } };
    const where = err instanceof YAMLException && err.mark ? `${filename}:${err.mark.line + 1}:${err.mark.column + 1}` : filename;
    throw new SdkGenerationError(`invalid YAML: ${(err.message ?? String(e)).split('\n')[0]}`, where);
  }
}

/** Reads an OpenAPI 3.0/3.1, Swagger 2.0 or Protobuf document into the generator's intermediate model. */
export async function loadApiModel(input: LoadApiModelInput): Promise<ApiModel> {
  const limits = resolveLimits(input.limits);
  const size = typeof input.source === 'string' ? Buffer.byteLength(input.source, 'utf8') : input.source.length;
  const place = input.filename ?? (input.format === 'protobuf' ? 'input.proto' : 'openapi');
  if (size > limits.maxBytes) throw new SdkGenerationError(`document is ${size} bytes; the limit is ${limits.maxBytes} (maxBytes)`, place);
  const text = typeof input.source === 'string' ? input.source : input.source.toString('utf8');
  const format = !input.format || input.format === 'auto' ? detectFormat(text, input.filename) : input.format;
  if (format === 'protobuf') {
    const imports = input.imports ?? {};
    const importBytes = Object.values(imports).reduce((n, src) => n + Buffer.byteLength(src, 'utf8'), 0);
    if (size + importBytes > limits.maxBytes) {
      throw new SdkGenerationError(`document and imports are ${size + importBytes} bytes; the limit is ${limits.maxBytes} (maxBytes)`, place);
    }
    for (const [name, src] of [[input.filename ?? 'input.proto', text], ...Object.entries(imports)]) {
      if (nestingExceeds(src, limits.maxDepth, 'proto')) throw new SdkGenerationError(`nests deeper than ${limits.maxDepth} levels; limit maxDepth`, name);
    }
    return loadProtobufModel(text, input.filename ?? 'input.proto', imports);
  }
  const filename = input.filename ?? 'openapi';
  return loadOpenApiModel(parseDocument(text, filename, limits), filename);
}
