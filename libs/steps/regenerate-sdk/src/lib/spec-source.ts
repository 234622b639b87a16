import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { EgressDeniedError, EgressError, egressFetch, maskUrl, type EgressAllowList, type EgressResolver } from '@mockops/egress';
import { PermanentStepError, TransientStepError } from '@mockops/worker-kit';
import type { SpecLocation } from './regenerate-sdk.config';

/** Specs bigger than this are refused (files and downloads alike). */
export const MAX_SPEC_BYTES = 20 * 1024 * 1024;
/** A `.proto` and everything it imports, read from the spec root: at most this many files. */
const MAX_PROTO_FILES = 200;

export interface SpecSourceOptions {
  /** MOCKOPS_SPEC_ROOT: files are read only from inside it. */
  specRoot: string;
  /** MOCKOPS_EGRESS_ALLOW text or list: private hosts a spec URL may reach. */
  egressAllow?: string | EgressAllowList;
  resolver?: EgressResolver;
  signal?: AbortSignal;
  maxBytes?: number;
  timeoutMs?: number;
}

export interface LoadedSpec {
  text: string;
  /** Names the document in generator messages and picks the format (`.proto`, `.yaml`...). */
  filename?: string;
  /** Protobuf imports by import path, read from the spec root. */
  imports: Record<string, string>;
  /** What to show in logs and outputs: the root-relative path, the masked URL, or where the text came from. */
  origin: string;
}

/** Reads the spec from wherever the config says: inline text, a file under the spec root, or a URL. */
export async function loadSpec(location: SpecLocation, opts: SpecSourceOptions): Promise<LoadedSpec> {
  const maxBytes = opts.maxBytes ?? MAX_SPEC_BYTES;
  switch (location.kind) {
    case 'inline':
      if (Buffer.byteLength(location.text) > maxBytes) throw tooLarge(location.origin, maxBytes);
      return { text: location.text, filename: location.filename, imports: {}, origin: location.origin };
    case 'file':
      return loadSpecFile(location.path, opts.specRoot, maxBytes);
    case 'url':
      return fetchSpec(location.url, opts, maxBytes);
  }
}

/**
 * A file inside the spec root. Both the path as written and its real path (symlinks followed) must
 * stay inside the root, so neither `..` nor a symlink can reach other files of the worker's disk.
 */
export async function loadSpecFile(path: string, specRoot: string, maxBytes = MAX_SPEC_BYTES): Promise<LoadedSpec> {
  const root = await realRoot(specRoot);
  const file = await resolveInsideRoot(path, specRoot, root);
  const text = await readLimited(file, path, maxBytes);
  const rel = relative(root, file).split(sep).join('/');
  const imports = /\.proto$/i.test(file) ? await protoImports(text, file, root, maxBytes) : {};
  return { text, filename: rel, imports, origin: rel };
}

async function realRoot(specRoot: string): Promise<string> {
  try {
    return await realpath(specRoot);
  } catch {
    throw new PermanentStepError(`the spec root ${specRoot} does not exist (MOCKOPS_SPEC_ROOT)`, 'SPEC_ROOT_MISSING');
  }
}

const inside = (candidate: string, root: string) => candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);

async function resolveInsideRoot(path: string, specRoot: string, root: string): Promise<string> {
  const configured = resolve(specRoot);
  const lexical = isAbsolute(path) ? resolve(path) : resolve(root, path);
  if (!inside(lexical, root) && !inside(lexical, configured)) throw escapes(path);
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PermanentStepError(`spec file ${path} not found under the spec root`, 'SPEC_NOT_FOUND');
    }
    throw new PermanentStepError(`cannot read spec file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'SPEC_UNREADABLE');
  }
  if (!inside(real, root)) throw escapes(path);
  return real;
}

function escapes(path: string): PermanentStepError {
  return new PermanentStepError(`spec_path ${path} is outside the spec root (MOCKOPS_SPEC_ROOT); "..", absolute paths and symlinks may not leave it`, 'SPEC_PATH_ESCAPES');
}

async function readLimited(file: string, shown: string, maxBytes: number): Promise<string> {
  const info = await stat(file);
  if (!info.isFile()) throw new PermanentStepError(`spec_path ${shown} is not a file`, 'SPEC_NOT_FOUND');
  if (info.size > maxBytes) throw tooLarge(shown, maxBytes);
  return readFile(file, 'utf8');
}

/**
 * Reads the files a `.proto` imports, like `protoc -I <spec root> -I <its folder>`: keyed by the import
 * path as written. Imports not found are left to the generator, which knows the well-known types and
 * names the missing ones.
 */
async function protoImports(entryText: string, entryFile: string, root: string, maxBytes: number): Promise<Record<string, string>> {
  const imports: Record<string, string> = {};
  const queue: { text: string; file: string }[] = [{ text: entryText, file: entryFile }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { text, file } = next;
    for (const imp of importPaths(text)) {
      if (imp in imports || imp.startsWith('google/protobuf/')) continue;
      if (Object.keys(imports).length >= MAX_PROTO_FILES) throw new PermanentStepError(`more than ${MAX_PROTO_FILES} imported .proto files`, 'SPEC_TOO_LARGE');
      for (const base of [root, dirname(file)]) {
        const candidate = resolve(base, imp);
        let real: string;
        try {
          real = await realpath(candidate);
        } catch {
          continue;
        }
        if (!inside(real, root)) throw escapes(imp);
        const importedText = await readLimited(real, imp, maxBytes);
        imports[imp] = importedText;
        queue.push({ text: importedText, file: real });
        break;
      }
    }
  }
  return imports;
}

/** `import "a/b.proto";` (also `public` / `weak`), ignoring comments. */
export function importPaths(protoText: string): string[] {
  const code = protoText.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  return [...code.matchAll(/^\s*import\s+(?:public\s+|weak\s+)?["']([^"']+)["']\s*;/gm)].map((m) => m[1]);
}

/** Downloads a spec through the SSRF guard. 4xx and guard refusals are permanent; timeouts, 429 and 5xx are retried. */
export async function fetchSpec(url: string, opts: SpecSourceOptions, maxBytes = MAX_SPEC_BYTES): Promise<LoadedSpec> {
  const shown = maskUrl(url);
  let res: Response;
  try {
    res = await egressFetch(url, {
      allow: opts.egressAllow ?? '',
      resolver: opts.resolver,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs ?? 60_000,
      maxResponseBytes: maxBytes,
      headers: { accept: 'application/yaml, application/json, text/plain;q=0.9, */*;q=0.5', 'user-agent': 'mockops-pipelines/regenerate_sdk' },
    });
  } catch (e) {
    if (e instanceof EgressDeniedError) throw new PermanentStepError(e.message, 'EGRESS_DENIED');
    if (e instanceof EgressError) {
      if (e.code === 'EGRESS_TOO_LARGE') throw tooLarge(shown, maxBytes);
      if (e.code === 'EGRESS_TIMEOUT' || e.code === 'EGRESS_NETWORK' || e.code === 'EGRESS_ABORTED') {
        throw new TransientStepError(`cannot download the spec: ${e.message}`, 'SPEC_FETCH_FAILED');
      }
      throw new PermanentStepError(`cannot download the spec: ${e.message}`, 'SPEC_FETCH_FAILED');
    }
    throw e;
  }
  if (!res.ok) {
    const why = `downloading the spec from ${shown} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new TransientStepError(why, 'SPEC_FETCH_FAILED', Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
    }
    throw new PermanentStepError(why, 'SPEC_FETCH_FAILED');
  }
  const text = await res.text();
  const last = basename(new URL(url).pathname);
  return { text, filename: last && last !== '/' ? safeDecode(last) : undefined, imports: {}, origin: shown };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function tooLarge(what: string, maxBytes: number): PermanentStepError {
  return new PermanentStepError(`the spec ${what} is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`, 'SPEC_TOO_LARGE');
}
