/**
 * Values for requests and responses, sampled from the description's own schemas (openapi-sampler) and
 * checked against them (ajv) before use. Descriptions often carry examples that contradict their schema
 * (a `format: uuid` with a 7-digit first group); such a sample is retried with the schema's examples
 * left out, and a value that still does not validate is not used.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { sample } from 'openapi-sampler';

type Obj = Record<string, any>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
export const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
/** A JSON pointer as a URI fragment (ajv decodes each segment). */
const fragment = (pointer: string) => pointer.split('/').map((s) => encodeURIComponent(s)).join('/');

const SCHEMA_KEYWORDS = ['type', 'format', 'properties', 'items', 'allOf', 'oneOf', 'anyOf', '$ref', 'enum', 'pattern'];

/** A copy whose schemas carry no `example`/`examples` (annotations only: validation is unchanged). */
function withoutExamples(doc: Obj): Obj {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!isObj(node)) return node;
    const schemaLike = SCHEMA_KEYWORDS.some((k) => k in node);
    const out: Obj = {};
    for (const [k, v] of Object.entries(node)) {
      if (schemaLike && (k === 'example' || (k === 'examples' && Array.isArray(v)))) continue;
      out[k] = k === 'enum' || k === 'const' || k === 'default' ? v : walk(v);
    }
    return out;
  };
  return walk(doc) as Obj;
}

/** openapi-sampler, without the console.warn it prints for schemas it cannot merge (the value is checked anyway). */
export function quietSample(schema: unknown, options: Record<string, unknown>, doc: Obj): unknown {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return sample(schema as never, { quiet: true, ...options } as never, doc);
  } finally {
    console.warn = warn;
  }
}

export class Samples {
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction | null>();
  private readonly plainDoc: Obj;

  constructor(private readonly doc: Obj) {
    const opts = { strict: false, validateSchema: false, allErrors: false, logger: false as const, discriminator: false };
    this.ajv = String(doc['openapi']).startsWith('3.1') ? new Ajv2020(opts) : new Ajv(opts);
    addFormats(this.ajv);
    this.ajv.addSchema(doc, 'spec');
    this.plainDoc = withoutExamples(doc);
  }

  /** true: valid; false: invalid; undefined: ajv cannot compile that schema (draft-04 forms), so unknown. */
  check(pointer: string, value: unknown): boolean | undefined {
    if (!this.cache.has(pointer)) {
      try {
        this.cache.set(pointer, this.ajv.compile({ $ref: `spec#${fragment(pointer)}` }));
      } catch {
        this.cache.set(pointer, null);
      }
    }
    const fn = this.cache.get(pointer);
    return fn ? (fn(value) as boolean) : undefined;
  }

  /**
   * A value for the schema at `pointer` that validates (or whose validity ajv cannot decide); undefined
   * when none. openapi-sampler always samples the first member of a oneOf/anyOf, which often matches
   * several members (oneOf then fails); each member is tried in turn.
   */
  valid(pointer: string, request: boolean): { value: unknown } | undefined {
    const schemaOf = (doc: Obj) => pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).reduce((n: any, seg) => n?.[seg], doc);
    const options = { skipReadOnly: request, skipWriteOnly: !request };
    for (const doc of [this.doc, this.plainDoc]) {
      const schema = schemaOf(doc);
      if (schema === undefined) return undefined;
      const resolved = this.resolve(schema, doc);
      const members: unknown[] = Array.isArray(resolved['oneOf']) ? resolved['oneOf'] : Array.isArray(resolved['anyOf']) ? resolved['anyOf'] : [];
      const candidates = [
        () => this.fixDiscriminator(quietSample(schema, options, doc), resolved, members[0]),
        ...members.map((m) => () => this.fixDiscriminator(quietSample(m, options, doc), resolved, m)),
      ];
      for (const candidate of candidates) {
        const value = candidate();
        if (this.check(pointer, value) !== false) return { value };
      }
    }
    return undefined;
  }

  private resolve(schema: unknown, doc: Obj): Obj {
    let s = schema;
    for (let i = 0; i < 8 && isObj(s) && typeof s['$ref'] === 'string'; i++) s = s['$ref'].slice(2).split('/').reduce((n: any, seg: string) => n?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    return isObj(s) ? s : {};
  }

  /** openapi-sampler samples the discriminator property like any string; set it to the sampled member's name. */
  private fixDiscriminator(value: unknown, schema: Obj, member: unknown): unknown {
    if (!isObj(value) || !isObj(schema['discriminator'])) return value;
    const prop = schema['discriminator']['propertyName'];
    if (typeof prop !== 'string' || !isObj(member) || typeof member['$ref'] !== 'string') return value;
    const ref = member['$ref'];
    const mapping: Obj = isObj(schema['discriminator']['mapping']) ? schema['discriminator']['mapping'] : {};
    const key = Object.keys(mapping).find((k) => mapping[k] === ref || ref.endsWith(`/${mapping[k]}`)) ?? ref.split('/').pop();
    return { ...value, [prop]: key };
  }
}
