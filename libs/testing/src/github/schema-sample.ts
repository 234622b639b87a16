/**
 * Builds the smallest value a JSON schema accepts (required properties only, null where allowed), so the
 * double can answer with GitHub's full response shapes — a pull request has ~80 required fields — while
 * only filling in the fields it really tracks. The result is still validated against the description.
 */
export type RefResolver = (ref: string) => Record<string, any>;

const NOW = '2024-01-01T00:00:00Z';

export function sampleFromSchema(schema: Record<string, any> | undefined, resolve: RefResolver, depth = 0): unknown {
  if (!schema || depth > 40) return null;
  if (schema.$ref) return sampleFromSchema(resolve(schema.$ref), resolve, depth + 1);
  if (schema.allOf) {
    return schema.allOf.reduce((acc: unknown, s: Record<string, any>) => deepMerge(acc, sampleFromSchema(s, resolve, depth + 1)), undefined);
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    const nullable = alternatives.find((s: any) => s.type === 'null');
    if (nullable) return null;
    return sampleFromSchema(alternatives[0], resolve, depth + 1);
  }
  if (schema.enum) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const type = Array.isArray(schema.type) ? (schema.type.includes('null') ? 'null' : schema.type[0]) : schema.type;
  switch (type) {
    case 'null':
      return null;
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? []) {
        out[name] = sampleFromSchema(schema.properties?.[name] ?? {}, resolve, depth + 1);
      }
      return out;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sampleFromSchema(schema.items, resolve, depth + 1));
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    case 'string':
      switch (schema.format) {
        case 'date-time':
          return NOW;
        case 'date':
          return NOW.slice(0, 10);
        case 'uri':
          return 'https://github.invalid/';
        case 'email':
          return 'octocat@github.invalid';
        default:
          return 'x'.repeat(schema.minLength ?? 0);
      }
    default:
      return schema.properties ? sampleFromSchema({ ...schema, type: 'object' }, resolve, depth + 1) : null;
  }
}

/** Objects merge key by key; anything else (arrays, scalars) is replaced by `over` when defined. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = deepMerge(out[k], v);
    return out;
  }
  return over;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
