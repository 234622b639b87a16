/**
 * Spec text (titles, descriptions, summaries) in generated comments, one helper per language. Every
 * helper splits on every line break the target language knows (a title with a newline once ended a `//`
 * comment and became code), drops control characters, and escapes what would end or re-purpose the
 * comment in that language: `*\/` in TypeScript, `"""` and tool directives (`# type: ...` is a mypy type
 * comment, `# mypy: ...` an inline config) in Python, code fences (doctests) in Rust.
 */

/** Lines of text with no line terminator of any kind and no control characters but tab. */
export function commentLines(...texts: (string | undefined)[]): string[] {
  return texts.flatMap((text) =>
    text === undefined || text === ''
      ? []
      : text
          // eslint-disable-next-line no-control-regex
          .split(/\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/)
          // eslint-disable-next-line no-control-regex
          .map((l) => l.replace(/[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g, '').replace(/[\ud800-\udfff]/gu, '\ufffd').trimEnd()),
  );
}

const prefixed = (indent: string, marker: string) => (l: string) => `${indent}${marker}${l ? ' ' + l : ''}`;

export const typescriptComments = {
  /** A JSDoc block; `*\/` inside the text can never close it early. */
  doc(indent: string, ...texts: (string | undefined)[]): string[] {
    const lines = commentLines(...texts).map((l) => l.replace(/\*\//g, '* /'));
    if (lines.length === 0) return [];
    if (lines.length === 1) return [`${indent}/** ${lines[0]} */`];
    return [`${indent}/**`, ...lines.map(prefixed(indent, ' *')), `${indent} */`];
  },
  /** `//` line comments. */
  line(indent: string, ...texts: (string | undefined)[]): string[] {
    return commentLines(...texts).map(prefixed(indent, '//'));
  },
};

/**
 * Comments that Python tools read as instructions: mypy type comments (`# type: int`, `# type: ignore`),
 * mypy inline configuration (`# mypy: ignore-errors`), pyright/pyre/pytype/pylint/flake8/ruff/isort/black
 * switches. Matched the way the tools do, after optional whitespace.
 */
const PY_DIRECTIVE = /^\s*(type|mypy|pyright|pyre(-[a-z-]+)?|pytype|pylint|flake8|noqa|ruff|isort|fmt|nosec)\s*[:=]/i;

export const pythonComments = {
  /** `#` comments that are never a directive: such a line is written `# | type: object`. */
  line(indent: string, ...texts: (string | undefined)[]): string[] {
    return commentLines(...texts)
      .map((l) => (PY_DIRECTIVE.test(l) ? `| ${l}` : l))
      .map(prefixed(indent, '#'));
  },
  /** A docstring; backslashes and `"""` in the text stay text. */
  docstring(indent: string, ...texts: (string | undefined)[]): string[] {
    const lines = commentLines(...texts).map((l) => l.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"'));
    if (lines.length === 0) return [];
    return [`${indent}"""${lines[0]}`, ...lines.slice(1).map((l) => (l ? indent + l : '')), `${indent}"""`];
  },
};

/** Code fences in doc comments are doctests to rustdoc; spec text must never become one. */
const rustText = (...texts: (string | undefined)[]) => commentLines(...texts).map((l) => l.replace(/```/g, "'''"));

export const rustComments = {
  /** `///` outer doc comments. */
  doc(indent: string, ...texts: (string | undefined)[]): string[] {
    return rustText(...texts).map(prefixed(indent, '///'));
  },
  /** `//!` inner doc comments (crate / module docs). */
  inner(...texts: (string | undefined)[]): string[] {
    return rustText(...texts).map(prefixed('', '//!'));
  },
};
