/**
 * Branch names under git's ref rules (git check-ref-format): no control characters, spaces or
 * `~ ^ : ? * [ \`, no `..`, `@{` or `//`, no component starting with `.` or ending with `.lock`,
 * not ending with `/` or `.`, and not `@` alone.
 */
const FORBIDDEN = new Set(['~', '^', ':', '?', '*', '[', '\\', ' ', '\x7f']);

/** Control characters, space, DEL and `~ ^ : ? * [ \` are never allowed in a ref. */
function isForbiddenChar(ch: string): boolean {
  return ch.charCodeAt(0) < 0x20 || FORBIDDEN.has(ch);
}

export function invalidBranchReason(name: string): string | undefined {
  if (!name) return 'it is empty';
  if (name.length > 255) return 'it is longer than 255 characters';
  if ([...name].some(isForbiddenChar)) return 'it contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (name.includes('..')) return 'it contains ".."';
  if (name.includes('@{')) return 'it contains "@{"';
  if (name === '@') return 'it is "@"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'it has an empty path component';
  if (name.endsWith('.')) return 'it ends with "."';
  if (name.split('/').some((c) => c.startsWith('.') || c.endsWith('.lock'))) {
    return 'a component starts with "." or ends with ".lock"';
  }
  if (name.startsWith('-')) return 'it starts with "-"';
  return undefined;
}

/** Turns arbitrary text (a pipeline name) into one valid ref component. */
export function sanitizeRefComponent(text: string): string {
  const cleaned = [...text]
    .map((ch) => (isForbiddenChar(ch) ? '-' : ch))
    .join('')
    .replace(/\/+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/@\{/g, '-')
    .replace(/\.lock$/i, '-lock')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, 100)
    .replace(/[.-]+$/g, '');
  return cleaned || 'pipeline';
}

/** `mockops/<pipeline-name>/<first 8 of the execution id>`, one branch per execution. */
export function generatedHeadBranch(pipelineName: string, executionId: string): string {
  const short = sanitizeRefComponent(executionId.replace(/-/g, '').slice(0, 8).toLowerCase());
  return `mockops/${sanitizeRefComponent(pipelineName)}/${short}`;
}
