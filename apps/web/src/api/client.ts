import type { ApiErrorBody } from './types';

const KEY_STORAGE = 'mockops.apiKey';
const BASE = '/api/v1';

/** The API key for this tab (sessionStorage: gone when the tab closes, never in a URL). */
export const apiKey = {
  get(): string | null {
    try {
      return sessionStorage.getItem(KEY_STORAGE);
    } catch {
      return null;
    }
  },
  set(key: string | null): void {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  },
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message || `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

/** Called when the API answers 401 (the key is wrong or gone): the app asks for a key again. */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

export function authHeaders(): Record<string, string> {
  const key = apiKey.get();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(`${BASE}${path}`, { ...init, headers: { Accept: 'application/json', ...authHeaders(), ...(init.headers ?? {}) } });
  if (res.status === 401) onUnauthorized?.();
  if (!res.ok) {
    let body: ApiErrorBody;
    try {
      body = (await res.json()) as ApiErrorBody;
    } catch {
      body = { code: 'HTTP_ERROR', message: `${res.status} ${res.statusText}`, details: [] };
    }
    throw new ApiError(res.status, body);
  }
  return res;
}

export async function apiGet<T>(path: string, query?: Record<string, string | number | undefined | null>): Promise<T> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return (await apiFetch(qs ? `${path}?${qs}` : path)).json() as Promise<T>;
}

export async function apiPost<T>(path: string, body?: unknown): Promise<T> {
  const res = await apiFetch(path, {
    method: 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
  return res.status === 204 ? (undefined as T) : ((await res.json()) as T);
}

/** Downloads a file the API serves behind the key (so a plain link would not do). */
export async function downloadFile(path: string, fileName: string): Promise<void> {
  const blob = await (await apiFetch(path, { headers: { Accept: '*/*' } })).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const details = e.body.details?.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).filter((d) => !e.message.includes(d)) ?? [];
    return [e.message, ...details].join('\n');
  }
  return e instanceof Error ? e.message : String(e);
}
