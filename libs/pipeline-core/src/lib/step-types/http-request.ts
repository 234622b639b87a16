import { DIAGNOSTIC_CODES } from '../diagnostics';
import { isCheckingRendered, isPlainObject, isUnrenderedTemplate, type Check } from '../validation/checks';
import { FieldSpec, LITERAL_TOKEN_MESSAGE, TEMPLATE_JSON, defineStepType, f } from './schema';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Bytes of the response read at most unless `max_response_bytes` says: 1 MiB. */
export const HTTP_REQUEST_DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** The most `max_response_bytes` may allow: 10 MiB. */
export const HTTP_REQUEST_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
export const HTTP_REQUEST_DEFAULT_TIMEOUT_SECONDS = 30;
/** Response headers in outputs.headers when `response_headers` is not given. */
export const HTTP_REQUEST_DEFAULT_RESPONSE_HEADERS = ['content-type', 'location', 'etag', 'retry-after', 'x-request-id'] as const;

/** One accepted status: exactly a code, or an inclusive range (`2xx` is 200–299). */
export interface StatusRange {
  from: number;
  to: number;
}

const STATUS_ITEM = /^\s*(?:([1-5])xx|([1-5]\d\d)(?:\s*-\s*([1-5]\d\d))?)\s*$/i;

/**
 * `expect_status` as ranges: one item or a list of items, each a code (`204`), a class (`2xx`) or a
 * range (`200-299`); a text may list several items separated by commas. Absent: 2xx. Throws a
 * message naming the bad item.
 */
export function parseExpectStatus(value: unknown): StatusRange[] {
  if (value === undefined || value === null) return [{ from: 200, to: 299 }];
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]));
  if (items.length === 0) throw new Error('must list at least one status');
  return items.map((item) => {
    const m = STATUS_ITEM.exec(String(item));
    if ((typeof item !== 'string' && typeof item !== 'number') || !m) {
      throw new Error(`"${String(item)}" is not a status: write a code (204), a class (2xx) or a range (200-299)`);
    }
    if (m[1]) return { from: Number(m[1]) * 100, to: Number(m[1]) * 100 + 99 };
    const from = Number(m[2]);
    const to = m[3] ? Number(m[3]) : from;
    if (to < from) throw new Error(`"${String(item).trim()}": the range ends before it starts`);
    return { from, to };
  });
}

/** Whether a status is one the step expects. */
export function statusExpected(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((r) => status >= r.from && status <= r.to);
}

const expectStatusCheck: Check = (v) => {
  if (isUnrenderedTemplate(v)) return null;
  if (Array.isArray(v) && v.some((x) => isUnrenderedTemplate(x))) return null;
  try {
    parseExpectStatus(v);
    return null;
  } catch (e) {
    return { message: (e as Error).message };
  }
};

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Header → `{{ secrets.NAME }}`: only secret references at save time (a token must never be written in the pipeline). */
const secretHeadersCheck: Check = (v) => {
  if (!isPlainObject(v)) return { message: 'must be a mapping of header → "{{ secrets.NAME }}"' };
  for (const [name, value] of Object.entries(v)) {
    if (!HEADER_NAME.test(name)) return { message: `"${name}" is not a valid header name` };
    if (isCheckingRendered()) {
      if (typeof value !== 'string' || value === '') return { message: `"${name}": must be a non-empty string` };
      if (/[\r\n]/.test(value)) return { message: `"${name}": a header value must not contain line breaks` };
    } else if (!isUnrenderedTemplate(value)) {
      return { code: DIAGNOSTIC_CODES.literalSecret, message: `"${name}": ${LITERAL_TOKEN_MESSAGE}` };
    }
  }
  return null;
};

const bodyCheck: Check = (v) =>
  typeof v === 'string' || isPlainObject(v) || Array.isArray(v) ? null : { message: 'must be text, or a mapping or list (sent as JSON)' };

/** `http_request`: one HTTP call through the egress guard, with its response as outputs. */
export const httpRequestStepType = defineStepType({
  type: 'http_request',
  summary:
    'Calls an HTTP endpoint through the egress guard, optionally HMAC-signed, with an Idempotency-Key stable across retries. Outputs: `status`, `headers` (the selected ones, lower-cased), `body` (text, first 64 KiB), `body_truncated`, and `json` when the response is JSON.',
  retryPolicy: 'network',
  fields: {
    url: f.url('The http(s) URL to call; templates allowed. Put no credential in it: use secret_headers.').orTemplate().required(),
    method: f.oneOf(HTTP_METHODS, 'method', 'Default GET, or POST when a body is given.').orTemplate(),
    headers: f.headers('Request headers; values may be templates (no secrets here: see secret_headers).'),
    secret_headers: new FieldSpec<Record<string, string>>({
      check: secretHeadersCheck,
      json: { type: 'object', additionalProperties: { ...TEMPLATE_JSON, description: 'Only as a secret reference such as {{secrets.API_TOKEN}}' } },
      docType: 'mapping of header → `{{ secrets.NAME }}`',
      description: 'Headers whose whole value is a secret (Authorization...); masked and scrubbed everywhere.',
      required: false,
      templated: false,
      credential: 'map-values',
    }),
    body: new FieldSpec<string | Record<string, unknown> | unknown[]>({
      check: bodyCheck,
      json: { anyOf: [{ type: 'string' }, { type: 'object' }, { type: 'array' }] },
      docType: 'text, mapping or list',
      description: 'Sent as is (text, content-type text/plain unless headers say) or as JSON (a mapping or list, or a whole-value template of one).',
      required: false,
      templated: true,
      credential: false,
    }),
    timeout_seconds: f.int(1, 300, `Timeout of the whole exchange; default ${HTTP_REQUEST_DEFAULT_TIMEOUT_SECONDS}.`).orTemplate(),
    expect_status: new FieldSpec<string | number | (string | number)[]>({
      check: expectStatusCheck,
      json: { anyOf: [{ type: ['string', 'integer'] }, { type: 'array', minItems: 1, items: { type: ['string', 'integer'] } }] },
      docType: 'status, class or range, or a list of them',
      description:
        'Statuses that count as success, e.g. [200, 404], 2xx, "200-299"; default 2xx. Another 5xx, 408 or 429 is retried; any other status fails the step for good.',
      required: false,
      templated: false,
      credential: false,
    }),
    follow_redirects: f.bool('Follow 3xx redirects (each hop checked by the egress guard); default true. false: a 3xx is the answer.').orTemplate(),
    signing_secret: f
      .secretRef('HMAC-SHA256 key: X-MockOps-Signature over the raw body and X-MockOps-Timestamp, as notify webhooks sign. Only `{{ secrets.NAME }}`.')
      .credential(),
    response_headers: f.textList(`Response headers copied to outputs.headers (lower-cased); default ${HTTP_REQUEST_DEFAULT_RESPONSE_HEADERS.join(', ')}.`).orTemplate(),
    max_response_bytes: f
      .int(1, HTTP_REQUEST_MAX_RESPONSE_BYTES, `A bigger response fails the step (never retried); default ${HTTP_REQUEST_DEFAULT_MAX_RESPONSE_BYTES} (1 MiB).`)
      .orTemplate(),
  },
  refine: (config, issue) => {
    if (config.method === 'GET' && config.body !== undefined) issue(['body'], DIAGNOSTIC_CODES.invalidValue, 'a GET request has no body: set method (POST, PUT...) or remove body');
  },
  example: {
    url: 'https://api.example.com/deployments',
    method: 'POST',
    secret_headers: { Authorization: '{{ secrets.DEPLOY_API_TOKEN }}' },
    body: { scenario: '{{event.scenario_id}}', version: '{{event.version}}' },
    expect_status: ['2xx', 409],
  },
});
