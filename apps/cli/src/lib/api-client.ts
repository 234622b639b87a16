/** One problem reported by the gateway (see the gateway's `{code, message, details[]}` error shape). */
export interface ApiErrorDetail {
  message: string;
  path?: string;
  line?: number;
  column?: number;
  severity?: string;
}

/** A failed request: the gateway's error, or a transport problem (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ApiErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  apiKey?: string;
  fetch?: typeof fetch;
  /** Per-request timeout. */
  timeoutMs?: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  /** Raw text body with its media type (the YAML file as written). */
  text?: { body: string; contentType: string };
}

/** Thin HTTP client for the gateway's `/api/v1` API; every non-2xx answer becomes an ApiError. */
export class ApiClient {
  private readonly base: URL;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new ApiError(0, 'USAGE', `MOCKFORGE_API_URL is not a valid URL: "${options.baseUrl}"`);
    }
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.fetchImpl = options.fetch ?? fetch;
  }

  url(path: string, query?: RequestOptions['query']): URL {
    const url = new URL(`api/v1/${path.replace(/^\//, '')}`, this.base);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let body: string | undefined;
    if (opts.text) {
      headers['content-type'] = opts.text.contentType;
      body = opts.text.body;
    } else if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    const url = this.url(path, opts.query);
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method, headers, body, signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
      throw new ApiError(0, 'UNREACHABLE', `cannot reach the gateway at ${this.base.origin} (${cause})`);
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!res.ok) {
      const err = parsed as { code?: string; message?: string; details?: ApiErrorDetail[] } | undefined;
      throw new ApiError(
        res.status,
        err?.code ?? `HTTP_${res.status}`,
        err?.message ?? `${method} ${url.pathname} answered ${res.status} ${res.statusText}`,
        Array.isArray(err?.details) ? err.details : [],
      );
    }
    return parsed as T;
  }
}
