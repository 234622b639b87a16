import { CORE_SCHEMA, EVENT_ID, YAMLException, constructFromEvents, getScalarValue, parseEvents, type Event } from 'js-yaml';
import { DIAGNOSTIC_CODES, formatPath, type Diagnostic, type PathSegment } from './diagnostics';
import { stringProblem } from './input-checks';

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface LoadLimits {
  /** Largest accepted source, in UTF-8 bytes. */
  maxBytes?: number;
  /** Cap on nodes after expanding aliases: a few anchors can otherwise expand to billions of nodes. */
  maxNodes?: number;
  /** Cap on nesting depth. */
  maxDepth?: number;
}

export const DEFAULT_LOAD_LIMITS: Required<LoadLimits> = { maxBytes: 256 * 1024, maxNodes: 100_000, maxDepth: 64 };

/**
 * Where each node of a loaded document came from. Positions are recorded per path for the key of a
 * mapping entry and for the value node, so a diagnostic can point at `languages:` or at a list item.
 */
export class SourceMap {
  private readonly keys = new Map<string, number>();
  private readonly values = new Map<string, number>();
  private readonly lineStarts: number[] = [0];

  constructor(source: string) {
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  setKey(path: readonly PathSegment[], offset: number): void {
    const k = formatPath(path);
    if (!this.keys.has(k)) this.keys.set(k, offset);
  }

  setValue(path: readonly PathSegment[], offset: number): void {
    const k = formatPath(path);
    if (!this.values.has(k)) this.values.set(k, offset);
  }

  /**
   * Position for a diagnostic at `path`: the entry's key when it has one, else the value node; a path
   * that does not exist in the source (a missing field) falls back to its nearest ancestor.
   */
  locate(path: readonly PathSegment[]): SourcePosition {
    for (let n = path.length; n >= 0; n--) {
      const k = formatPath(path.slice(0, n));
      const offset = this.keys.get(k) ?? this.values.get(k);
      if (offset !== undefined) return this.positionOf(offset);
    }
    return { line: 1, column: 1 };
  }

  /** Position of the value node itself (a list item, a scalar), falling back like `locate`. */
  locateValue(path: readonly PathSegment[]): SourcePosition {
    const offset = this.values.get(formatPath(path));
    return offset === undefined ? this.locate(path) : this.positionOf(offset);
  }

  positionOf(offset: number): SourcePosition {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo] + 1 };
  }
}

export type LoadResult = { ok: true; value: unknown; map: SourceMap } | { ok: false; diagnostics: Diagnostic[] };

class ExpansionLimit extends Error {
  constructor(readonly offset: number) {
    super('alias expansion limit');
  }
}

function error(code: string, message: string, path: readonly PathSegment[], pos?: SourcePosition): Diagnostic {
  return { severity: 'error', code, path: formatPath(path), line: pos?.line ?? 1, column: pos?.column ?? 1, message };
}

function byteLength(s: string): number {
  // Counted by hand so the pure model needs no Buffer/TextEncoder polyfill in other runtimes.
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function scalarOffset(ev: Extract<Event, { type: 4 }>): number {
  // Quoted scalars report the offset after the opening quote; point at the quote instead.
  const quoted = ev.style === 2 || ev.style === 3;
  return quoted ? Math.max(0, ev.valueStart - 1) : ev.valueStart;
}

function nodeOffset(ev: Event): number {
  switch (ev.type) {
    case EVENT_ID.SCALAR:
      return scalarOffset(ev);
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE:
      return ev.start;
    case EVENT_ID.ALIAS:
      return Math.max(0, ev.anchorStart - 1);
    default:
      return 0;
  }
}

/**
 * Loads one YAML (or JSON, which is YAML) document with the core schema: no custom tags, no merge
 * keys. Walks js-yaml's event stream once to record positions, find duplicate keys with their path,
 * and measure the size of the document with aliases expanded, before constructing the value.
 */
export function loadYamlDocument(source: string, limits: LoadLimits = {}): LoadResult {
  const { maxBytes, maxNodes, maxDepth } = { ...DEFAULT_LOAD_LIMITS, ...limits };
  const size = byteLength(source);
  if (size > maxBytes) {
    return { ok: false, diagnostics: [error(DIAGNOSTIC_CODES.tooLarge, `document is ${size} bytes; the limit is ${maxBytes}`, [])] };
  }
  const map = new SourceMap(source);
  let events: Event[];
  try {
    events = parseEvents(source, { maxDepth });
  } catch (e) {
    return { ok: false, diagnostics: [yamlError(e)] };
  }
  const documents = events.filter((e) => e.type === EVENT_ID.DOCUMENT).length;
  if (documents > 1) {
    return { ok: false, diagnostics: [error(DIAGNOSTIC_CODES.multipleDocuments, 'expected one YAML document, found several (---)', [])] };
  }
  if (documents === 0 || events.length < 3) {
    return { ok: false, diagnostics: [error(DIAGNOSTIC_CODES.emptyDocument, 'the document is empty', [])] };
  }

  const duplicates: Diagnostic[] = [];
  const anchorSizes = new Map<string, number>();
  let i = 1; // events[0] is the DOCUMENT event

  const walk = (path: PathSegment[] | null): number => {
    const ev = events[i++];
    let nodes = 1;
    if (path) map.setValue(path, nodeOffset(ev));
    if (ev.type === EVENT_ID.ALIAS) {
      nodes = anchorSizes.get(source.slice(ev.anchorStart, ev.anchorEnd)) ?? 1;
    } else if (ev.type === EVENT_ID.MAPPING) {
      const seen = new Set<string>();
      while (events[i].type !== EVENT_ID.POP) {
        const keyEv = events[i];
        let key: string | null = null;
        const keyOffset = nodeOffset(keyEv);
        if (keyEv.type === EVENT_ID.SCALAR) {
          key = getScalarValue(source, keyEv);
          i++;
          nodes += 1;
        } else {
          nodes += walk(null);
        }
        const childPath = path && key !== null ? [...path, key] : null;
        if (key !== null && childPath) {
          if (seen.has(key)) {
            duplicates.push(error(DIAGNOSTIC_CODES.duplicateKey, `duplicate key "${key}"`, childPath, map.positionOf(keyOffset)));
          } else {
            seen.add(key);
            map.setKey(childPath, keyOffset);
          }
        }
        nodes += walk(childPath);
        if (nodes > maxNodes) throw new ExpansionLimit(nodeOffset(ev));
      }
      i++;
    } else if (ev.type === EVENT_ID.SEQUENCE) {
      let index = 0;
      while (events[i].type !== EVENT_ID.POP) {
        nodes += walk(path ? [...path, index] : null);
        index++;
        if (nodes > maxNodes) throw new ExpansionLimit(nodeOffset(ev));
      }
      i++;
    }
    if ((ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE || ev.type === EVENT_ID.SCALAR) && ev.anchorStart >= 0) {
      anchorSizes.set(source.slice(ev.anchorStart, ev.anchorEnd), nodes);
    }
    if (nodes > maxNodes) throw new ExpansionLimit(nodeOffset(ev));
    return nodes;
  };

  try {
    walk([]);
  } catch (e) {
    if (e instanceof ExpansionLimit) {
      return {
        ok: false,
        diagnostics: [
          error(DIAGNOSTIC_CODES.aliasBomb, `document expands to more than ${maxNodes} nodes (anchors/aliases)`, [], map.positionOf(e.offset)),
        ],
      };
    }
    throw e;
  }
  if (duplicates.length) return { ok: false, diagnostics: duplicates };

  try {
    const [value] = constructFromEvents(events, { source, schema: CORE_SCHEMA });
    const bad = firstInvalidString(value, []);
    if (bad) {
      return { ok: false, diagnostics: [error(DIAGNOSTIC_CODES.invalidString, `${bad.path.length ? 'value' : 'document'} ${bad.why}`, bad.path, map.locateValue(bad.path))] };
    }
    return { ok: true, value, map };
  } catch (e) {
    return { ok: false, diagnostics: [yamlError(e)] };
  }
}

/** A string (or key) that is not valid text: `"\0"` and `"\ud800"` are legal YAML escapes. Depth is capped by the parser. */
function firstInvalidString(v: unknown, path: PathSegment[]): { path: PathSegment[]; why: string } | null {
  if (typeof v === 'string') {
    const why = stringProblem(v);
    return why ? { path, why } : null;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = firstInvalidString(v[i], [...path, i]);
      if (found) return found;
    }
  } else if (v && typeof v === 'object') {
    for (const [k, item] of Object.entries(v)) {
      const why = stringProblem(k);
      if (why) return { path: [...path, k], why: `key ${why}` };
      const found = firstInvalidString(item, [...path, k]);
      if (found) return found;
    }
  }
  return null;
}

function yamlError(e: unknown): Diagnostic {
  if (e instanceof YAMLException) {
    const pos = e.mark ? { line: e.mark.line + 1, column: e.mark.column + 1 } : undefined;
    return error(DIAGNOSTIC_CODES.yamlSyntax, e.reason || e.message, [], pos);
  }
  return error(DIAGNOSTIC_CODES.yamlSyntax, e instanceof Error ? e.message : String(e), []);
}
