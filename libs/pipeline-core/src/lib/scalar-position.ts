import type { SourcePosition } from './yaml-loader';

/**
 * Where character `inner` of a YAML scalar's value is in the source, so an error inside an `if:`
 * expression points at the exact token: plain and quoted scalars on one line, and `|`/`>` block
 * scalars line by line. Anything else (a multi-line quoted or plain scalar) falls back to the start
 * of the value.
 */
export function positionInScalar(source: string, at: SourcePosition, value: string, inner: number): SourcePosition {
  const lineStart = offsetOfLine(source, at.line);
  if (lineStart < 0) return at;
  const start = lineStart + at.column - 1;
  const first = source[start];

  if (first === '"' || first === "'") {
    let r = start + 1;
    for (let v = 0; v < inner; v++) {
      const c = source[r];
      if (c === undefined || c === '\n') return at;
      if (first === '"' && c === '\\') r += 2;
      else if (first === "'" && c === "'" && source[r + 1] === "'") r += 2;
      else r += 1;
    }
    return { line: at.line, column: at.column + (r - start) };
  }

  // A block scalar's value starts on the line after its `|` or `>` header, at column 1.
  const header = source.slice(offsetOfLine(source, at.line - 1), lineStart);
  if (at.column === 1 && at.line > 1 && BLOCK_HEADER.test(header)) {
    const lines = source.slice(lineStart).split('\n');
    const indent = lines.find((l) => l.trim() !== '')?.match(/^ */)?.[0].length ?? 0;
    let consumed = 0;
    for (let k = 0; k < lines.length; k++) {
      const text = lines[k].slice(indent);
      if (inner <= consumed + text.length) return { line: at.line + k, column: indent + 1 + (inner - consumed) };
      consumed += text.length + 1;
    }
    return at;
  }

  if (!value.includes('\n') && source.startsWith(value, start)) return { line: at.line, column: at.column + inner };
  return at;
}

const BLOCK_HEADER = /[|>][0-9+-]*[ \t]*(?:#.*)?\r?\n$/;

function offsetOfLine(source: string, line: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    offset = source.indexOf('\n', offset) + 1;
    if (offset === 0) return -1;
  }
  return offset;
}
