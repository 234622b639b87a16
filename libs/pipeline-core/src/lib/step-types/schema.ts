import { DIAGNOSTIC_CODES, type PathSegment } from '../diagnostics';
import type { RetryPolicyName } from '../retry-policies';
import {
  Field as FieldDecorator,
  bool as boolCheck,
  checkingRenderedValues,
  emailAddress,
  enumList as enumListCheck,
  int as intCheck,
  isCheckingRendered,
  isPlainObject,
  isUnrenderedTemplate,
  listOf,
  oneOf as oneOfCheck,
  orTemplate,
  str,
  strOrNum,
  stringMap,
  url as urlCheck,
  type Check,
} from '../validation/checks';
import { validateSection, type SectionIssue } from '../validation/section';

/**
 * One schema per step type, from which everything else is derived: the TypeScript config type, the
 * save-time validator (decorated section models with line/column through the parser), the check of
 * the *rendered* config the worker runs before the handler (with the coercions a rendered template
 * needs: "5" → 5, "a, b" → [a, b]), the JSON Schema, the docs table and the credential fields.
 */

export type JsonSchema = Record<string, unknown>;

/** Jobs at a time per worker process of a step type that does not say (docs/performance.md). */
export const DEFAULT_STEP_CONCURRENCY = 4;

/** A value written as a Liquid template; its type is only known once rendered. */
export type TemplateText = string;

export const TEMPLATE_JSON: JsonSchema = { type: 'string', pattern: '\\{\\{|\\{%', description: 'A Liquid template, checked when rendered' };

interface FieldProps {
  check: Check;
  json: JsonSchema;
  /** How the docs table names the type. */
  docType: string;
  description: string;
  required: boolean;
  /** A whole-value template is accepted at save time (non-text fields: a number, a list...). */
  templated: boolean;
  /** `value`: the field carries a credential; `map-values`: each value of the mapping does (headers). */
  credential: false | 'value' | 'map-values';
  /** Turns a rendered value into the field's type before the check (templates render to text). */
  coerce?: (value: unknown) => unknown;
  /** A list of mappings, each checked with these fields (create_pr files). */
  items?: Fields;
  /** A rule across one item's fields (checked once the fields themselves passed). */
  itemRule?: ItemRule;
}

/** An item's entries and which of them failed their own check → problems as [field, code, message]. */
export type ItemRule = (item: Record<string, unknown>, invalid: Set<string>) => [field: string, code: string, message: string][];

/** One config field: its check, JSON Schema, docs and whether it is required and/or a credential. */
export class FieldSpec<T, R extends boolean = false> {
  declare readonly _type: T;
  declare readonly _required: R;

  constructor(readonly props: FieldProps) {}

  required(): FieldSpec<T, true> {
    return new FieldSpec<T, true>({ ...this.props, required: true });
  }

  /** A whole-value `{{ }}` may stand for the value; it is checked once rendered. */
  orTemplate(): FieldSpec<T | TemplateText, R> {
    return new FieldSpec<T | TemplateText, R>({ ...this.props, templated: true });
  }

  credential(kind: 'value' | 'map-values' = 'value'): FieldSpec<T, R> {
    return new FieldSpec<T, R>({ ...this.props, credential: kind });
  }

  /** Replaces how a rendered value is turned into the field's type. */
  coercing(coerce: (value: unknown) => unknown): FieldSpec<T, R> {
    return new FieldSpec<T, R>({ ...this.props, coerce });
  }

  /** Replaces the check (same JSON Schema and docs): for values that differ once rendered. */
  checking(check: Check): FieldSpec<T, R> {
    return new FieldSpec<T, R>({ ...this.props, check });
  }

  /** Checked literally at save time: the check of a templated field lets templates through. */
  get saveCheck(): Check {
    return this.props.templated ? orTemplate(this.props.check) : this.props.check;
  }

  get jsonSchema(): JsonSchema {
    const base = { ...this.props.json, ...(this.props.description ? { description: this.props.description } : {}) };
    return this.props.templated ? { anyOf: [this.props.json, TEMPLATE_JSON], ...(this.props.description ? { description: this.props.description } : {}) } : base;
  }
}

export type Fields = Record<string, FieldSpec<unknown, boolean>>;

type ValueOf<F> = F extends FieldSpec<infer T, boolean> ? T : never;
type RequiredKeys<F> = { [K in keyof F]: F[K] extends FieldSpec<unknown, true> ? K : never }[keyof F];

/** The TypeScript type of a config with these fields. */
export type ConfigOf<F> = { [K in RequiredKeys<F>]: ValueOf<F[K]> } & { [K in Exclude<keyof F, RequiredKeys<F>>]?: ValueOf<F[K]> };

const splitList = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v);
const textOf = (v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);

function field<T>(props: Omit<FieldProps, 'required' | 'templated' | 'credential'>): FieldSpec<T> {
  return new FieldSpec<T>({ required: false, templated: false, credential: false, ...props });
}

/** The field kinds step types are made of. */
export const f = {
  text: (description: string) => field<string>({ check: str(), json: { type: 'string', minLength: 1 }, docType: 'text', description, coerce: textOf }),
  optionalText: (description: string) => field<string>({ check: str({ nonEmpty: false }), json: { type: 'string' }, docType: 'text', description, coerce: textOf }),
  textOrNumber: (description: string) => field<string | number>({ check: strOrNum, json: { type: ['string', 'number'] }, docType: 'text or number', description }),
  url: (description: string, protocols: readonly string[] = ['http:', 'https:']) =>
    field<string>({
      check: urlCheck(protocols),
      json: { type: 'string', pattern: `^(${protocols.map((p) => p.replace(':', '')).join('|')})://` },
      docType: `${protocols.map((p) => p.replace(':', '')).join('/')} URL`,
      description,
    }),
  oneOf: <V extends string>(values: readonly V[], noun: string, description: string) =>
    field<V>({ check: oneOfCheck(values, noun), json: { enum: [...values] }, docType: values.join(' \\| '), description }),
  enumList: <V extends string>(values: readonly V[], noun: string, description: string) =>
    field<V[]>({
      check: enumListCheck(values, noun),
      json: { type: 'array', minItems: 1, uniqueItems: true, items: { anyOf: [{ enum: [...values] }, TEMPLATE_JSON] } },
      docType: `list of ${values.join(' \\| ')}`,
      description,
      coerce: splitList,
    }),
  textList: (description: string) =>
    field<string[]>({ check: listOf(str()), json: { type: 'array', items: { type: 'string', minLength: 1 } }, docType: 'list of text', description, coerce: splitList }),
  bool: (description: string) =>
    field<boolean>({ check: boolCheck, json: { type: 'boolean' }, docType: 'true \\| false', description, coerce: (v) => (v === 'true' ? true : v === 'false' ? false : v) }),
  int: (min: number, max: number, description: string) =>
    field<number>({
      check: intCheck(min, max),
      json: { type: 'integer', minimum: min, maximum: max },
      docType: `integer ${min}–${max}`,
      description,
      coerce: (v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v),
    }),
  /** One address, or a list (a rendered "a@x, b@y" is split). */
  emails: (description: string) =>
    field<string[] | string>({
      check: (v) => (isUnrenderedTemplate(v) ? null : typeof v === 'string' ? emailAddress(v) : listOf(orTemplate(emailAddress), { min: 1 })(v)),
      json: { anyOf: [{ type: 'array', minItems: 1, items: { type: 'string', minLength: 3 } }, { type: 'string', minLength: 3 }] },
      docType: 'email address or list',
      description,
      coerce: splitList,
    }),
  email: (description: string) => field<string>({ check: emailAddress, json: { type: 'string', minLength: 3 }, docType: 'email address', description }),
  /** Header name → value; names must be HTTP tokens and values single-line. */
  headers: (description: string) =>
    field<Record<string, string>>({
      check: (v) => {
        const r = stringMap(str({ nonEmpty: false }))(v);
        if (r || !isPlainObject(v)) return r;
        for (const [name, value] of Object.entries(v)) {
          if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return { message: `"${name}" is not a valid header name` };
          if (/[\r\n]/.test(String(value))) return { message: `"${name}": a header value must not contain line breaks` };
        }
        return null;
      },
      json: { type: 'object', additionalProperties: { type: 'string' } },
      docType: 'mapping of header → value',
      description,
      coerce: (v) => (isPlainObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, textOf(x)])) : v),
    }),
  /** Only `{{ secrets.NAME }}`: a credential must never be written into the pipeline. */
  secretRef: (description: string) =>
    field<TemplateText>({
      check: (v) => {
        if (isCheckingRendered()) return typeof v === 'string' && v !== '' ? null : { message: 'must be a non-empty string' };
        return isUnrenderedTemplate(v) ? null : { code: DIAGNOSTIC_CODES.literalSecret, message: LITERAL_TOKEN_MESSAGE };
      },
      json: { ...TEMPLATE_JSON, description: 'Only as a secret reference such as {{secrets.GITHUB_TOKEN}}' },
      docType: '`{{ secrets.NAME }}`',
      description,
    }),
  /** A list of mappings, each with these fields (or one whole-value template, such as a previous step's output). */
  objectList: <I extends Fields>(items: I, description: string, itemRule?: ItemRule) =>
    field<ConfigOf<I>[]>({
      itemRule,
      check: (v) => (isUnrenderedTemplate(v) || Array.isArray(v) ? null : { message: 'must be a list of files or a template such as "{{steps.x.outputs.files}}"' }),
      json: { anyOf: [{ type: 'array', minItems: 1, items: objectJson(items) }, TEMPLATE_JSON] },
      docType: 'list of mappings',
      description,
      items,
    }),
  /** Anything; the step checks it itself (e.g. an inline spec document). */
  any: (description: string) => field<unknown>({ check: () => null, json: {}, docType: 'any', description }),
};

export const LITERAL_TOKEN_MESSAGE = 'tokens must not be written in the pipeline; use {{secrets.NAME}}';

function objectJson(fields: Fields): JsonSchema {
  const required = Object.entries(fields).filter(([, s]) => s.props.required).map(([k]) => k);
  return {
    type: 'object',
    ...(required.length ? { required } : {}),
    properties: Object.fromEntries(Object.entries(fields).map(([k, s]) => [k, s.jsonSchema])),
    additionalProperties: false,
  };
}

const models = new Map<string, new () => object>();
const fieldsIds = new WeakMap<Fields, number>();
let nextFieldsId = 1;

const requiredOf = (fields: Fields) => Object.entries(fields).filter(([, s]) => s.props.required).map(([k]) => k);

/** A section model for these fields (made once): `@Field(check, {required})` per field. */
function modelOf(fields: Fields, required: readonly string[]): new () => object {
  if (!fieldsIds.has(fields)) fieldsIds.set(fields, nextFieldsId++);
  const key = `${fieldsIds.get(fields)}:${Object.keys(fields).join(',')}:${required.join(',')}`;
  let model = models.get(key);
  if (!model) {
    const Model = class {};
    for (const [name, spec] of Object.entries(fields)) FieldDecorator(spec.saveCheck, { required: required.includes(name) })(Model.prototype, name);
    models.set(key, (model = Model));
  }
  return model;
}

/** One problem in a config; `at` says whether the position is the entry's key or its value. */
export interface ConfigIssue extends SectionIssue {
  at: 'key' | 'value';
}

export interface ConfigCheck {
  /** The config's known entries (coerced when rendered). */
  value: Record<string, unknown>;
  issues: ConfigIssue[];
}

/** A step type's config: common fields, and optionally variants chosen by one field (notify's `type`). */
export interface StepTypeSpec<N extends string, F extends Fields, V extends Record<string, Fields>> {
  type: N;
  summary: string;
  retryPolicy: RetryPolicyName;
  /**
   * Jobs of this type a worker process runs at once unless configured (MOCKOPS_WORKER_CONCURRENCY for
   * every type, MOCKOPS_CONCURRENCY_<TYPE> for one). Default 4: steps that wait on the network.
   */
  concurrency?: number;
  fields: F;
  variants?: { key: keyof F & string; noun: string; of: V };
  /** The operator's well-known credentials this step type may use, each bound to one of its fields. */
  boundCredentials?: Record<string, string>;
  /** Checks the field specs cannot express (cross-field rules), on a config whose fields passed. */
  refine?: (config: Record<string, unknown>, issue: (path: PathSegment[], code: string, message: string) => void) => void;
  /** A minimal valid config, for the docs. */
  example: Record<string, unknown>;
}

type VariantFields<V extends Record<string, Fields>> = V[keyof V];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The config type of a step type: common fields required as declared, variant fields optional. */
export type StepConfigOf<F extends Fields, V extends Record<string, Fields>> = ConfigOf<F> &
  ([keyof V] extends [never] ? unknown : Partial<ConfigOf<UnionToIntersection<VariantFields<V>>>>);

/** What the registry holds for one step type: the spec plus everything derived from it. */
export class StepTypeDefinition<N extends string = string, F extends Fields = Fields, V extends Record<string, Fields> = Record<string, Fields>> {
  declare readonly _config: StepConfigOf<F, V>;
  private readonly allFields: Fields;

  /** Jobs at a time per worker process when not configured. */
  get defaultConcurrency(): number {
    return this.spec.concurrency ?? DEFAULT_STEP_CONCURRENCY;
  }

  constructor(readonly spec: StepTypeSpec<N, F, V>) {
    this.allFields = { ...spec.fields };
    for (const variant of Object.values(spec.variants?.of ?? {})) Object.assign(this.allFields, variant);
  }

  get type(): N {
    return this.spec.type;
  }

  /** Config fields that carry credentials (`headers.*` for every value of a mapping). */
  get credentialFields(): string[] {
    return Object.entries(this.allFields).flatMap(([name, s]) => (s.props.credential === 'value' ? [name] : s.props.credential === 'map-values' ? [`${name}.*`] : []));
  }

  /** Which fields belong to which variant (e.g. notify: slack → slack_webhook_url, channels...). */
  get variantFields(): Record<string, string[]> {
    return Object.fromEntries(Object.entries(this.spec.variants?.of ?? {}).map(([name, fields]) => [name, Object.keys(fields)]));
  }

  /**
   * Checks a config: as written (save time: whole-value templates pass, to be checked once rendered)
   * or as rendered (`rendered: true`: templates are plain text, values are coerced first).
   */
  check(input: unknown, path: PathSegment[], opts: { rendered?: boolean } = {}): ConfigCheck {
    if (!opts.rendered) return this.checkAs(input, path);
    return checkingRenderedValues(() => this.checkAs(coerce(input, this.allFields), path));
  }

  private checkAs(input: unknown, path: PathSegment[]): ConfigCheck {
    const issues: ConfigIssue[] = [];
    const push = (list: SectionIssue[], base: PathSegment[]) => {
      for (const i of list) issues.push({ ...i, at: i.path.length === base.length ? 'value' : 'key' });
    };
    let fields: Fields = this.allFields;
    // With the variant unknown until rendered (or invalid), every variant's fields are accepted and
    // only the common ones are required.
    let required = requiredOf(this.spec.fields);
    let input2 = input;
    const variants = this.spec.variants;
    if (variants && isPlainObject(input)) {
      const chosen = input[variants.key];
      if (typeof chosen === 'string' && !isUnrenderedTemplate(chosen) && chosen in variants.of) {
        fields = { ...this.spec.fields, ...variants.of[chosen] };
        required = requiredOf(fields);
        const kept: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(input)) {
          const owner = Object.keys(variants.of).find((v) => v !== chosen && key in variants.of[v]);
          if (owner && !(key in fields)) {
            issues.push({ path: [...path, key], code: DIAGNOSTIC_CODES.unknownKey, message: `"${key}" is an option of ${owner} ${variants.noun}, not of type ${chosen}`, at: 'key' });
          } else kept[key] = value;
        }
        input2 = kept;
      }
    } else if (!variants) {
      required = requiredOf(fields);
    }
    const section = validateSection(modelOf(fields, required), input2, path);
    push(section.issues, path);
    if (section.invalid.has('*')) return { value: section.value, issues };
    for (const [name, spec] of Object.entries(fields)) {
      const { items, itemRule } = spec.props;
      const list = section.value[name];
      if (!items || !Array.isArray(list) || section.invalid.has(name)) continue;
      list.forEach((item, i) => {
        const at = [...path, name, i];
        const r = validateSection(modelOf(items, requiredOf(items)), item, at, 'a mapping {path, content, operation}');
        push(r.issues, at);
        if (!r.invalid.has('*') && itemRule) {
          for (const [fieldName, code, message] of itemRule(r.value, r.invalid)) issues.push({ path: [...at, fieldName], code, message, at: 'key' });
        }
      });
      if (list.length === 0) issues.push({ path: [...path, name], code: DIAGNOSTIC_CODES.invalidValue, message: 'must not be empty', at: 'key' });
    }
    if (issues.length === 0 && this.spec.refine) {
      this.spec.refine(section.value, (p, code, message) => issues.push({ path: [...path, ...p], code, message, at: 'key' }));
    }
    return { value: section.value, issues };
  }

  /** JSON Schema of the config (draft-07). */
  jsonSchema(): JsonSchema {
    const variants = this.spec.variants;
    const required = Object.entries(this.spec.fields).filter(([, s]) => s.props.required).map(([k]) => k);
    const schema: JsonSchema = {
      type: 'object',
      ...(required.length ? { required } : {}),
      properties: Object.fromEntries(Object.entries(this.allFields).map(([k, s]) => [k, s.jsonSchema])),
      additionalProperties: false,
    };
    if (variants) {
      schema.allOf = Object.entries(variants.of).map(([name, fields]) => {
        const own = Object.entries(fields).filter(([, s]) => s.props.required).map(([k]) => k);
        return {
          if: { properties: { [variants.key]: { const: name } }, required: [variants.key] },
          then: { propertyNames: { enum: [...Object.keys(this.spec.fields), ...Object.keys(fields)] }, ...(own.length ? { required: own } : {}) },
        };
      });
    }
    return schema;
  }

  /** The docs table of the config: field, type, required, credential, meaning. */
  docsRows(): { field: string; type: string; required: string; credential: boolean; description: string }[] {
    const rows: ReturnType<StepTypeDefinition['docsRows']> = [];
    const add = (fields: Fields, variant?: string) => {
      for (const [name, s] of Object.entries(fields)) {
        rows.push({
          field: name,
          type: `${s.props.docType}${s.props.templated ? ' (or a template)' : ''}`,
          required: s.props.required ? (variant ? `yes (${variant})` : 'yes') : variant ? `(${variant})` : '',
          credential: s.props.credential !== false,
          description: s.props.description,
        });
        if (s.props.items) add(Object.fromEntries(Object.entries(s.props.items).map(([k, v]) => [`${name}[].${k}`, v])), variant);
      }
    };
    add(this.spec.fields);
    for (const [name, fields] of Object.entries(this.spec.variants?.of ?? {})) add(fields, `${String(this.spec.variants!.key)}: ${name}`);
    return rows;
  }
}

export function defineStepType<N extends string, F extends Fields, V extends Record<string, Fields> = Record<never, Fields>>(
  spec: StepTypeSpec<N, F, V>,
): StepTypeDefinition<N, F, V> {
  return new StepTypeDefinition(spec);
}

/** Applies each field's coercion to a rendered config (unknown keys are left for the check to report). */
function coerce(input: unknown, fields: Fields): unknown {
  if (!isPlainObject(input)) return input;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const spec = fields[key];
    let v = spec?.props.coerce && value !== null && value !== undefined ? spec.props.coerce(value) : value;
    if (spec?.props.items && Array.isArray(v)) v = v.map((item) => coerce(item, spec.props.items!));
    out[key] = v;
  }
  return out;
}

