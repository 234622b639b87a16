/**
 * The `if:` expression language (docs/language.md): GitHub Actions' expression syntax, parsed by
 * hand into a small tree. No JavaScript evaluation anywhere; the source length and the nesting depth
 * are bounded so a document cannot make the parser or the evaluator do unbounded work.
 */

export const EXPRESSION_LIMITS = {
  /** Characters in one condition, `${{ }}` included. */
  maxLength: 2000,
  /** Nesting of parentheses, `!`, calls and indexes. */
  maxDepth: 32,
} as const;

export type BinaryOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';

interface Span {
  /** Offset of the first character in the condition's source (the whole string, `${{` included). */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

export type Expr =
  | (Span & { kind: 'literal'; value: null | boolean | number | string })
  | (Span & { kind: 'identifier'; name: string })
  | (Span & { kind: 'property'; object: Expr; name: string })
  | (Span & { kind: 'index'; object: Expr; index: Expr })
  | (Span & { kind: 'call'; name: string; args: Expr[] })
  | (Span & { kind: 'not'; operand: Expr })
  | (Span & { kind: 'binary'; op: BinaryOperator; left: Expr; right: Expr });

export class ExpressionSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ExpressionSyntaxError';
  }
}

type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  value?: number | string;
  start: number;
  end: number;
}

const PUNCT = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', '.', ','];
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const HEX_NUMBER = /^0x[0-9a-fA-F]+/;

function lex(source: string, from: number, to: number): Token[] {
  const tokens: Token[] = [];
  let i = from;
  while (i < to) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    const afterDot = tokens.length > 0 && tokens[tokens.length - 1].text === '.' && tokens[tokens.length - 1].kind === 'punct';
    // A property name after `.` may start with a digit: step names such as `1-build` are allowed.
    if (afterDot ? IDENT_PART.test(c) && c !== '-' : IDENT_START.test(c)) {
      while (i < to && IDENT_PART.test(source[i])) i++;
      tokens.push({ kind: 'ident', text: source.slice(start, i), start, end: i });
      continue;
    }
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= to) throw new ExpressionSyntaxError('string not closed: a string is written in single quotes, a quote inside it doubled (\'it\'\'s\')', start);
        if (source[i] === "'") {
          if (source[i + 1] === "'" && i + 1 < to) {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += source[i++];
      }
      tokens.push({ kind: 'string', text: source.slice(start, i), value, start, end: i });
      continue;
    }
    if (c === '"') throw new ExpressionSyntaxError('strings are written in single quotes (\'text\'), not double quotes', start);
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const rest = source.slice(i, to);
      const hex = HEX_NUMBER.exec(rest);
      const m = hex ?? JSON_NUMBER.exec(rest);
      if (!m) throw new ExpressionSyntaxError(`not a number: "${rest.slice(0, 12)}"`, start);
      i += m[0].length;
      if (i < to && IDENT_PART.test(source[i])) throw new ExpressionSyntaxError(`not a number: "${source.slice(start, i + 1)}"`, start);
      tokens.push({ kind: 'number', text: m[0], value: hex ? parseInt(m[0], 16) : Number(m[0]), start, end: i });
      continue;
    }
    const punct = PUNCT.find((p) => source.startsWith(p, i) && i + p.length <= to);
    if (punct) {
      i += punct.length;
      tokens.push({ kind: 'punct', text: punct, start, end: i });
      continue;
    }
    if (c === '=') throw new ExpressionSyntaxError('"=" is not an operator; compare with "=="', start);
    if (c === '&' || c === '|') throw new ExpressionSyntaxError(`"${c}" is not an operator; use "${c}${c}"`, start);
    if (c === '*') throw new ExpressionSyntaxError('object filters (*) are not supported; name the step', start);
    if (c === '{' || c === '}') throw new ExpressionSyntaxError("an if: condition is an expression, not a Liquid template: write event.x == 'y' without {{ }} (or wrap the whole condition in ${{ }})", start);
    throw new ExpressionSyntaxError(`unexpected character "${c}"`, start);
  }
  tokens.push({ kind: 'end', text: '', start: to, end: to });
  return tokens;
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Expr {
    if (this.peek().kind === 'end') throw new ExpressionSyntaxError('the condition is empty', this.peek().start);
    const expr = this.or();
    const t = this.peek();
    if (t.kind !== 'end') throw new ExpressionSyntaxError(`unexpected "${t.text}"; expected an operator or the end of the condition`, t.start);
    return expr;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    return this.tokens[this.pos++];
  }

  private accept(text: string): Token | null {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === text) {
      this.pos++;
      return t;
    }
    return null;
  }

  private expect(text: string, what: string): Token {
    const t = this.accept(text);
    if (t) return t;
    const got = this.peek();
    throw new ExpressionSyntaxError(`expected "${text}" ${what}, found ${got.kind === 'end' ? 'the end of the condition' : `"${got.text}"`}`, got.start);
  }

  private enter(at: number): void {
    if (++this.depth > EXPRESSION_LIMITS.maxDepth) throw new ExpressionSyntaxError(`the condition nests deeper than ${EXPRESSION_LIMITS.maxDepth} levels`, at);
  }

  private binaryLevel(ops: BinaryOperator[], operand: () => Expr): Expr {
    let left = operand();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || !(ops as string[]).includes(t.text)) return left;
      this.pos++;
      const right = operand();
      left = { kind: 'binary', op: t.text as BinaryOperator, left, right, start: left.start, end: right.end };
    }
  }

  // Precedence, lowest first, as in GitHub Actions: || then && then == != then < <= > >= then !.
  private or = (): Expr => this.binaryLevel(['||'], this.and);
  private and = (): Expr => this.binaryLevel(['&&'], this.equality);
  private equality = (): Expr => this.binaryLevel(['==', '!='], this.relational);
  private relational = (): Expr => this.binaryLevel(['<', '<=', '>', '>='], this.unary);

  private unary = (): Expr => {
    const bang = this.accept('!');
    if (!bang) return this.postfix();
    this.enter(bang.start);
    const operand = this.unary();
    this.depth--;
    return { kind: 'not', operand, start: bang.start, end: operand.end };
  };

  private postfix(): Expr {
    let expr = this.primary();
    for (;;) {
      if (this.accept('.')) {
        const name = this.next();
        if (name.kind !== 'ident') throw new ExpressionSyntaxError('expected a property name after "."', name.start);
        expr = { kind: 'property', object: expr, name: name.text, start: expr.start, end: name.end };
      } else if (this.peek().kind === 'punct' && this.peek().text === '[') {
        const open = this.next();
        this.enter(open.start);
        const index = this.or();
        const close = this.expect(']', 'to close the index');
        this.depth--;
        expr = { kind: 'index', object: expr, index, start: expr.start, end: close.end };
      } else return expr;
    }
  }

  private primary(): Expr {
    const t = this.next();
    if (t.kind === 'number' || t.kind === 'string') return { kind: 'literal', value: t.value as number | string, start: t.start, end: t.end };
    if (t.kind === 'ident') {
      if (t.text === 'true' || t.text === 'false') return { kind: 'literal', value: t.text === 'true', start: t.start, end: t.end };
      if (t.text === 'null') return { kind: 'literal', value: null, start: t.start, end: t.end };
      if (this.accept('(')) {
        this.enter(t.start);
        const args: Expr[] = [];
        if (!this.accept(')')) {
          for (;;) {
            args.push(this.or());
            if (this.accept(')')) break;
            this.expect(',', 'between arguments');
          }
        }
        this.depth--;
        return { kind: 'call', name: t.text, args, start: t.start, end: this.tokens[this.pos - 1].end };
      }
      return { kind: 'identifier', name: t.text, start: t.start, end: t.end };
    }
    if (t.kind === 'punct' && t.text === '(') {
      this.enter(t.start);
      const inner = this.or();
      const close = this.expect(')', 'to close the parenthesis');
      this.depth--;
      return { ...inner, start: t.start, end: close.end };
    }
    if (t.kind === 'end') throw new ExpressionSyntaxError('the condition ends too early; expected a value', t.start);
    throw new ExpressionSyntaxError(`unexpected "${t.text}"; expected a value`, t.start);
  }
}

/** The part of the source that is the expression: inside `${{ }}` when wrapped (optional, as in GHA). */
function expressionRange(source: string): { from: number; to: number } {
  const open = source.indexOf('${{');
  if (open < 0) return { from: 0, to: source.length };
  const lead = source.slice(0, open);
  const close = source.lastIndexOf('}}');
  const trail = close >= 0 ? source.slice(close + 2) : '';
  if (lead.trim() !== '' || close < open + 3 || trail.trim() !== '' || source.indexOf('${{', open + 3) >= 0) {
    throw new ExpressionSyntaxError('write the whole condition inside one ${{ }} (or leave ${{ }} out): text outside it would make the condition a string that is always true', open);
  }
  return { from: open + 3, to: close };
}

/** Parses one `if:` condition. Offsets in the tree and in errors are offsets into `source`. */
export function parseExpression(source: string): Expr {
  if (source.length > EXPRESSION_LIMITS.maxLength) {
    throw new ExpressionSyntaxError(`the condition is longer than ${EXPRESSION_LIMITS.maxLength} characters`, 0);
  }
  const { from, to } = expressionRange(source);
  return new Parser(lex(source, from, to)).parse();
}
