import { Context, Liquid, Tokenizer, Value, analyzeSync, toValueSync, type Template } from 'liquidjs';
import { formatPath, type PathSegment } from './diagnostics';
import type { EventEnvelope } from './events';
import { LruCache } from './lru-cache';
import { isTemplate } from './validation/checks';

/**
 * What `{{ }}` can see. `event` is the payload only, as the spec says; the whole
 * envelope (id, type, source, occurred_at...) is under `envelope`.
 */
export interface TemplateContext {
  event: Record<string, unknown>;
  envelope?: EventEnvelope | Record<string, unknown>;
  workspace_id?: string | null;
  workspace_name?: string | null;
  /** ISO time the execution started. */
  timestamp?: string;
  execution_id?: string;
  pipeline?: { id: string; name: string };
  steps?: Record<string, { outputs: Record<string, unknown> }>;
  secrets?: Record<string, string>;
}

/** The top-level names a template may use; anything else is flagged at save time. */
export const TEMPLATE_ROOTS = ['event', 'envelope', 'workspace_id', 'workspace_name', 'timestamp', 'execution_id', 'pipeline', 'steps', 'secrets'] as const;

export type TemplateErrorCode = 'UNDEFINED_VARIABLE' | 'TEMPLATE_SYNTAX' | 'TEMPLATE_LIMIT' | 'TEMPLATE_ERROR';

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly code: TemplateErrorCode,
    /** Where in the config the failing value is (`files[0].content`); empty for a bare string. */
    readonly path: string,
    /** The undefined variable, for UNDEFINED_VARIABLE. */
    readonly variable?: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

export interface TemplateRendererOptions {
  /** Compiled templates kept (keyed by source). */
  cacheSize?: number;
  /** Characters one template may have. */
  parseLimit?: number;
  /** Milliseconds one render may take. */
  renderLimitMs?: number;
  /** Allocations (array items, string lengths) one render may make: stops `{% for i in (1..1e9) %}`. */
  memoryLimit?: number;
  /** Tags/outputs one render may evaluate: a deterministic cap on nested loops. */
  templateLimit?: number;
  /**
   * Milliseconds all templates of one step's config may take together (renderConfig), and the
   * allocations they may make together: a document holding thousands of templates, each within its
   * own limits, still cannot hold a worker's event loop longer than this.
   */
  configBudgetMs?: number;
}

const DEFAULTS: Required<TemplateRendererOptions> = {
  cacheSize: 2000,
  parseLimit: 100_000,
  renderLimitMs: 1000,
  memoryLimit: 10_000_000,
  templateLimit: 100_000,
  configBudgetMs: 500,
};

type LiquidLimiter = Context['renderLimit'];

/** The limits one renderConfig call (or a caller's createBudget) shares across every template it renders. */
export interface RenderBudget {
  renderLimit: LiquidLimiter;
  memoryLimit: LiquidLimiter;
}

// liquidjs's Limiter is not exported by name; a Context built without limiters makes one of each.
const Limiter = (new Context({}).renderLimit as object).constructor as new (resource: string, limit: number) => LiquidLimiter;

/** `{{ expr }}` and nothing else: the rendered value keeps its native type. */
const SINGLE_EXPRESSION = /^\s*\{\{-?([\s\S]*?)-?\}\}\s*$/;

type Compiled = { kind: 'value'; value: Value } | { kind: 'template'; templates: Template[] };

/** Objects and lists interpolated into a larger string become JSON, not `[object Object]`. */
function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Renders step configs with Liquid: strict variables (an undefined one fails, unless
 * the output's first filter is `default`), no HTML escaping, no file access from `include`/`render`,
 * limits on size, time, memory and work, and compiled templates cached by source.
 */
export class TemplateRenderer {
  private readonly liquid: Liquid;
  private readonly cache: LruCache<string, Compiled>;
  private readonly opts: Required<TemplateRendererOptions>;

  constructor(options: TemplateRendererOptions = {}) {
    this.opts = { ...DEFAULTS, ...options };
    this.liquid = new Liquid({
      strictVariables: true,
      // An unknown filter is a save-time error, not a silent pass-through.
      strictFilters: true,
      // Lets `{{ x | default: "y" }}` and `{% if x %}` see an undefined x without failing.
      lenientIf: true,
      ownPropertyOnly: true,
      outputEscape: toText,
      // An empty in-memory template map: include/render/layout can never read the file system.
      templates: {},
      cache: false,
      parseLimit: this.opts.parseLimit,
      renderLimit: this.opts.renderLimitMs,
      memoryLimit: this.opts.memoryLimit,
    });
    this.cache = new LruCache(this.opts.cacheSize);
  }

  /** Number of compiled templates held (for tests and metrics). */
  get cachedTemplates(): number {
    return this.cache.size;
  }

  /**
   * Renders every string in a config, deeply. A value that is exactly one `{{ }}` keeps its type. All
   * templates of the config share one time and memory budget (`configBudgetMs`, `memoryLimit`).
   */
  renderConfig(config: unknown, ctx: TemplateContext, opts: { budgetMs?: number } = {}): unknown {
    return this.renderDeep(config, ctx, [], this.createBudget({ ms: opts.budgetMs }));
  }

  /**
   * A budget of time (from now) and allocations that every renderValue given it shares: for callers
   * that render templates one by one (the dry run, event keys) and must not get more than a config.
   */
  createBudget(opts: { ms?: number; memory?: number } = {}): RenderBudget {
    return {
      renderLimit: new Limiter('render time', nowMs() + (opts.ms ?? this.opts.configBudgetMs)),
      memoryLimit: new Limiter('render memory', opts.memory ?? this.opts.memoryLimit),
    };
  }

  /** Renders one string to a string (objects become JSON). */
  renderString(source: string, ctx: TemplateContext, path = '', budget?: RenderBudget): string {
    return toText(this.renderValue(source, ctx, path, budget));
  }

  /** Renders one string; a single-expression template returns the expression's value unchanged. */
  renderValue(source: string, ctx: TemplateContext, path = '', budget?: RenderBudget): unknown {
    if (!isTemplate(source)) return source;
    const compiled = this.compile(source, path);
    try {
      // A fresh context per string (an `assign` must not leak into the next one), sharing the budget.
      const context = new Context(ctx as object, this.liquid.options, { templateLimit: this.opts.templateLimit, sync: true }, { liquid: this.liquid, ...budget });
      if (budget) budget.renderLimit.check(nowMs());
      if (compiled.kind === 'value') return toValueSync(compiled.value.value(context, false));
      return toValueSync(this.liquid.renderer.renderTemplates(compiled.templates, context));
    } catch (e) {
      throw this.wrap(e, path);
    }
  }

  /**
   * Literal text of a template that looks like a broken tag: `}}` or `%}` outside any `{{ }}`/`{% %}`
   * (a save-time warning: JSON text legitimately contains `}}`, so it cannot be an error).
   */
  strayDelimiters(source: string): string | null {
    if (!isTemplate(source)) return null;
    try {
      for (const token of new Tokenizer(source).readTopLevelTokens(this.liquid.options)) {
        if (token.constructor.name !== 'HTMLToken') continue;
        const text = token.getText();
        if (/\}\}|%\}/.test(text)) return text.includes('%}') ? '%}' : '}}';
      }
    } catch {
      return null; // a syntax error, reported elsewhere
    }
    return null;
  }

  /** Throws TemplateError (TEMPLATE_SYNTAX) when the source does not parse; caches it when it does. */
  compile(source: string, path = ''): Compiled {
    const hit = this.cache.get(source);
    if (hit) return hit;
    if (source.length > this.opts.parseLimit) {
      throw new TemplateError(`${path ? `${path}: ` : ''}template is longer than ${this.opts.parseLimit} characters`, 'TEMPLATE_LIMIT', path);
    }
    let compiled: Compiled;
    try {
      const single = SINGLE_EXPRESSION.exec(source);
      compiled =
        single && !single[1].includes('{{') && !single[1].includes('}}') && !source.includes('{%')
          ? { kind: 'value', value: new Value(single[1].trim(), this.liquid) }
          : { kind: 'template', templates: this.liquid.parse(source) };
    } catch (e) {
      const err = this.wrap(e, path);
      // Anything that fails while compiling (an unknown filter, a bad tag) is the template's syntax.
      throw err.code === 'TEMPLATE_ERROR' ? new TemplateError(err.message.replace('template error:', 'template syntax error:'), 'TEMPLATE_SYNTAX', path) : err;
    }
    this.cache.set(source, compiled);
    return compiled;
  }

  /** Variables a template string reads from the context (loop variables excluded). */
  variablesOf(source: string): { variable: string; segments: (string | number)[]; defaulted: boolean }[] {
    if (!isTemplate(source)) return [];
    const compiled = this.compile(source);
    const templates = compiled.kind === 'template' ? compiled.templates : this.liquid.parse(`{{ ${SINGLE_EXPRESSION.exec(source)?.[1] ?? ''} }}`);
    const analysis = analyzeSync(templates);
    const out: { variable: string; segments: (string | number)[]; defaulted: boolean }[] = [];
    const seen = new Set<string>();
    for (const refs of Object.values(analysis.globals)) {
      for (const ref of refs) {
        const segments = ref.segments.map((s) => (typeof s === 'string' || typeof s === 'number' ? s : '*'));
        const variable = segments.join('.');
        if (seen.has(variable)) continue;
        seen.add(variable);
        const escaped = ref.toString().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const defaulted = new RegExp(`\\{\\{-?\\s*${escaped}\\s*\\|\\s*default\\b`).test(source);
        out.push({ variable, segments, defaulted });
      }
    }
    return out;
  }

  private renderDeep(value: unknown, ctx: TemplateContext, path: PathSegment[], budget: RenderBudget): unknown {
    if (typeof value === 'string') return this.renderValue(value, ctx, formatPath(path), budget);
    if (Array.isArray(value)) return value.map((v, i) => this.renderDeep(v, ctx, [...path, i], budget));
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.renderDeep(v, ctx, [...path, k], budget);
      return out;
    }
    return value;
  }

  private wrap(e: unknown, path: string): TemplateError {
    if (e instanceof TemplateError) return e;
    const err = e instanceof Error ? e : new Error(String(e));
    const at = path ? `${path}: ` : '';
    const undefinedVar = /undefined variable: ([^,]+)/.exec(err.message);
    if (err.name === 'UndefinedVariableError' || undefinedVar) {
      const variable = undefinedVar?.[1]?.trim() ?? 'unknown';
      return new TemplateError(`${at}undefined variable "${variable}"`, 'UNDEFINED_VARIABLE', path, variable);
    }
    if (/limit exceeded/i.test(err.message)) {
      return new TemplateError(`${at}template exceeds its resource limits (${err.message.replace(/, line:.*$/, '')})`, 'TEMPLATE_LIMIT', path);
    }
    if (err.name === 'ParseError' || err.name === 'TokenizationError') {
      return new TemplateError(`${at}template syntax error: ${err.message}`, 'TEMPLATE_SYNTAX', path);
    }
    return new TemplateError(`${at}template error: ${err.message}`, 'TEMPLATE_ERROR', path);
  }
}

/** Replaces every occurrence of every secret value in every string (deeply) with `***`. */
export function redactSecrets(value: unknown, secretValues: string[]): unknown {
  // Longest first, so a secret that contains another is masked whole.
  const secrets = [...new Set(secretValues.filter((s) => typeof s === 'string' && s.length > 0))].sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return value;
  const redactString = (s: string) => {
    let out = s;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('***');
    return out;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactString(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = walk(item);
      return out;
    }
    return v;
  };
  return walk(value);
}

export interface TemplateVariableRef {
  /** Dotted variable path as read, e.g. `event.scenario_id` or `steps.build.outputs.files`. */
  variable: string;
  segments: (string | number)[];
  /** Config path of the string that reads it, e.g. `files[0].content`. */
  path: string;
  pathSegments: PathSegment[];
  /** True when the output has a `default` filter (an undefined value is then fine). */
  defaulted: boolean;
}

function nowMs(): number {
  return performance.now();
}

let shared: TemplateRenderer | undefined;
/** The process-wide renderer with default limits (save-time checks share its compiled templates). */
export function sharedRenderer(): TemplateRenderer {
  shared ??= new TemplateRenderer();
  return shared;
}

/** Lists the context variables a config's templates read. Throws TemplateError on a syntax error. */
export function templateVariables(config: unknown, renderer: TemplateRenderer = sharedRenderer()): TemplateVariableRef[] {
  const out: TemplateVariableRef[] = [];
  const walk = (v: unknown, path: PathSegment[]) => {
    if (typeof v === 'string') {
      for (const ref of renderer.variablesOf(v)) out.push({ ...ref, path: formatPath(path), pathSegments: path });
    } else if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
    else if (v && typeof v === 'object') for (const [k, item] of Object.entries(v)) walk(item, [...path, k]);
  };
  walk(config, []);
  return out;
}

/** Null when the template parses, else the reason (used at save time). */
export function checkTemplateSyntax(source: string, renderer: TemplateRenderer = sharedRenderer()): string | null {
  try {
    renderer.compile(source);
    return null;
  } catch (e) {
    return e instanceof TemplateError ? e.message : String(e);
  }
}
