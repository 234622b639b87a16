import { REGENERATE_SDK_DEFAULT_OUTPUT_DIR, type RegenerateSdkConfig, type SdkLanguage } from '@mockops/pipeline-core';
import { PermanentStepError } from '@mockops/worker-kit';

/**
 * The regenerate_sdk step's config as the handler receives it: rendered and checked against the step
 * type's schema (languages a list of known languages; `spec` may be a JSON object once rendered).
 */
export type RegenerateSdkStepConfig = Omit<RegenerateSdkConfig, 'languages' | 'spec'> & { languages: SdkLanguage[]; spec?: string | Record<string, unknown> };

export const DEFAULT_OUTPUT_DIR = REGENERATE_SDK_DEFAULT_OUTPUT_DIR;

/** Where the spec comes from, in the order the handler looks: config text, config path, event text, event path. */
export type SpecLocation =
  | { kind: 'inline'; text: string; origin: 'config.spec' | 'event.spec' | 'event.spec_content'; filename?: string }
  | { kind: 'file'; path: string; origin: 'config.spec_path' | 'event.spec_path' }
  | { kind: 'url'; url: string; origin: 'config.spec_path' | 'event.spec_path' };

export interface NormalizedRegenerateSdkConfig {
  spec: SpecLocation;
  languages: SdkLanguage[];
  /** Normalized: no leading `./`, no trailing `/`, `''` for the repository root. */
  outputDir: string;
  packageName?: string;
  workspaceId?: string;
}

/**
 * Turns a checked config into what the handler works with (every problem listed at once): the spec
 * location, falling back to the event payload (`spec`/`spec_content` text, then `spec_path`) as the
 * spec's first example needs, and an output folder inside the repository.
 */
export function normalizeRegenerateSdkConfig(c: RegenerateSdkStepConfig, payload: Record<string, unknown> = {}): NormalizedRegenerateSdkConfig {
  const problems: string[] = [];
  const languages = [...new Set(c.languages)];
  const outputDir = normalizeOutputDir(c.output_dir ?? DEFAULT_OUTPUT_DIR, problems);

  const optionalText = (v: string | number | undefined): string | undefined => (v === undefined || String(v).trim() === '' ? undefined : String(v).trim());
  const packageName = optionalText(c.package_name);
  if (packageName && !/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/.test(packageName)) {
    problems.push(`package_name "${packageName}" may contain only letters, digits, spaces, ".", "_" and "-"`);
  }
  const workspaceId = optionalText(c.workspace_id);

  let spec: SpecLocation | undefined;
  const problemsBeforeSpec = problems.length;
  const inline = specText(c.spec, 'spec', problems);
  const configPath = inline === undefined ? optionalText(c.spec_path) : undefined;
  if (inline !== undefined) spec = { kind: 'inline', text: inline, origin: 'config.spec' };
  else if (configPath) spec = locate(configPath, 'config.spec_path', problems);
  else {
    const eventPath = typeof payload.spec_path === 'string' && payload.spec_path.trim() ? payload.spec_path.trim() : undefined;
    const eventSpec = specText(payload.spec, 'event payload spec', problems);
    const eventContent = eventSpec === undefined ? specText(payload.spec_content, 'event payload spec_content', problems) : undefined;
    const filename = eventPath && !/^[a-z][a-z0-9+.-]*:\/\//i.test(eventPath) ? eventPath.split('/').pop() : undefined;
    if (eventSpec !== undefined) spec = { kind: 'inline', text: eventSpec, origin: 'event.spec', filename };
    else if (eventContent !== undefined) spec = { kind: 'inline', text: eventContent, origin: 'event.spec_content', filename };
    else if (eventPath) spec = locate(eventPath, 'event.spec_path', problems);
  }
  if (!spec && problems.length === problemsBeforeSpec) {
    problems.push('no spec: set spec_path (a file under the spec root or an http(s) URL) or spec, or send spec_path in the event payload');
  }

  if (problems.length || !spec) throw invalid(problems);
  return { spec, languages, outputDir, packageName, workspaceId };
}

function specText(value: unknown, what: string, problems: string[]): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  // A JSON document carried as an object (e.g. an event producer that embedded the parsed spec).
  if (typeof value === 'object' && !Array.isArray(value)) return JSON.stringify(value);
  problems.push(`${what} must be the spec text or a JSON object`);
  return undefined;
}

function locate(value: string, origin: 'config.spec_path' | 'event.spec_path', problems: string[]): SpecLocation | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (!scheme) return { kind: 'file', path: value, origin };
  if (scheme !== 'http' && scheme !== 'https') {
    problems.push(`${origin.replace('config.', '')}: only files under the spec root and http(s) URLs are supported, not ${scheme}://`);
    return undefined;
  }
  try {
    new URL(value);
  } catch {
    problems.push(`${origin.replace('config.', '')} is not a valid URL`);
    return undefined;
  }
  return { kind: 'url', url: value, origin };
}

/** A repository-relative folder: never absolute, never through `..`; `.`/empty is the repository root. */
export function normalizeOutputDir(value: unknown, problems: string[]): string {
  if (typeof value !== 'string') {
    problems.push('output_dir must be a relative folder such as ./generated-sdks');
    return '';
  }
  const text = value.trim().replace(/\\/g, '/');
  if (text.startsWith('/') || /^[A-Za-z]:/.test(text)) {
    problems.push(`output_dir "${value}" must be relative to the repository root`);
    return '';
  }
  const parts = text.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) {
    problems.push(`output_dir "${value}" must not contain ".."`);
    return '';
  }
  if (parts[0]?.toLowerCase() === '.git') problems.push(`output_dir "${value}" points inside .git`);
  if ([...text].some((ch) => ch.charCodeAt(0) < 0x20)) problems.push(`output_dir "${value}" contains a control character`);
  return parts.join('/');
}

function invalid(problems: string[]): PermanentStepError {
  return new PermanentStepError(`invalid regenerate_sdk config: ${problems.join('; ')}`, 'CONFIG_INVALID');
}
