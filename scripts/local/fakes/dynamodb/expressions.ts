/**
 * DynamoDB's expression language, parsed: condition, key-condition, projection and update expressions, as far as
 * the service and the bench baseline use it (comparisons, IN, BETWEEN, AND/OR/NOT, attribute_exists,
 * attribute_not_exists, attribute_type, begins_with, contains, size; SET with +/-, list_append, if_not_exists;
 * REMOVE). Anything else is refused with the ValidationException DynamoDB would give, never guessed.
 */

/** A document path: top-level name, then map keys and list indexes. */
export type PathElement = { name: string } | { index: number };
export type Path = PathElement[];

export type Operand =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; name: string }
  | { kind: 'call'; fn: string; args: Operand[] }
  | { kind: 'arith'; op: '+' | '-'; left: Operand; right: Operand };

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; op: string; left: Operand; right: Operand }
  | { kind: 'in'; left: Operand; options: Operand[] }
  | { kind: 'between'; operand: Operand; low: Operand; high: Operand }
  | { kind: 'function'; fn: string; args: Operand[] };

export interface UpdatePlan {
  set: { path: Path; value: Operand }[];
  remove: Path[];
}

export class ExpressionError extends Error {
  override readonly name = 'ValidationException';
}

const TOKEN = /\s*(<>|<=|>=|[=<>(),.[\]+-]|#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[0-9]+|[A-Za-z_][A-Za-z0-9_]*)/y;
const COMPARATORS = new Set(['=', '<>', '<', '<=', '>', '>=']);
const CONDITION_FUNCTIONS = new Set([
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
]);

const tokenize = (text: string): string[] => {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (match === null) {
      if (text.slice(start).trim() === '') break;
      throw new ExpressionError(`Invalid expression: syntax error near "${text.slice(start, start + 10)}"`);
    }
    tokens.push(match[1] as string);
  }
  return tokens;
};

class Parser {
  private position = 0;
  private readonly tokens: string[];

  constructor(
    text: string,
    private readonly names: Record<string, string>,
  ) {
    this.tokens = tokenize(text);
  }

  peek(): string | undefined {
    return this.tokens[this.position];
  }

  peekUpper(): string | undefined {
    return this.peek()?.toUpperCase();
  }

  next(): string {
    const token = this.tokens[this.position++];
    if (token === undefined) throw new ExpressionError('Invalid expression: unexpected end of expression');
    return token;
  }

  expect(token: string): void {
    const found = this.next();
    if (found.toUpperCase() !== token) throw new ExpressionError(`Invalid expression: expected ${token}, got ${found}`);
  }

  done(): boolean {
    return this.position >= this.tokens.length;
  }

  path(): Path {
    const path: Path = [{ name: this.name(this.next()) }];
    for (;;) {
      if (this.peek() === '.') {
        this.next();
        path.push({ name: this.name(this.next()) });
      } else if (this.peek() === '[') {
        this.next();
        path.push({ index: Number(this.next()) });
        this.expect(']');
      } else return path;
    }
  }

  private name(token: string): string {
    if (!token.startsWith('#')) return token;
    const name = this.names[token];
    if (name === undefined) throw new ExpressionError(`An expression attribute name used is not defined: ${token}`);
    return name;
  }

  operand(): Operand {
    const left = this.single();
    const op = this.peek();
    if (op === '+' || op === '-') {
      this.next();
      return { kind: 'arith', op, left, right: this.single() };
    }
    return left;
  }

  private single(): Operand {
    const token = this.peek();
    if (token === undefined) throw new ExpressionError('Invalid expression: operand missing');
    if (token.startsWith(':')) return { kind: 'value', name: this.next() };
    if (this.tokens[this.position + 1] === '(' && !token.startsWith('#')) {
      this.next();
      return { kind: 'call', fn: token, args: this.args() };
    }
    return { kind: 'path', path: this.path() };
  }

  args(): Operand[] {
    this.expect('(');
    const args: Operand[] = [this.operand()];
    while (this.peek() === ',') {
      this.next();
      args.push(this.operand());
    }
    this.expect(')');
    return args;
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.peekUpper() === 'OR') {
      this.next();
      left = { kind: 'or', left, right: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.peekUpper() === 'AND') {
      this.next();
      left = { kind: 'and', left, right: this.negation() };
    }
    return left;
  }

  private negation(): Condition {
    if (this.peekUpper() === 'NOT') {
      this.next();
      return { kind: 'not', operand: this.negation() };
    }
    if (this.peek() === '(') {
      this.next();
      const inner = this.condition();
      this.expect(')');
      return inner;
    }
    const token = this.peek() ?? '';
    if (CONDITION_FUNCTIONS.has(token)) {
      this.next();
      return { kind: 'function', fn: token, args: this.args() };
    }
    return this.comparison();
  }

  private comparison(): Condition {
    const left = this.operand();
    const op = this.next();
    if (COMPARATORS.has(op)) return { kind: 'compare', op, left, right: this.operand() };
    if (op.toUpperCase() === 'IN') return { kind: 'in', left, options: this.args() };
    if (op.toUpperCase() === 'BETWEEN') {
      const low = this.operand();
      this.expect('AND');
      return { kind: 'between', operand: left, low, high: this.operand() };
    }
    throw new ExpressionError(`Invalid expression: unexpected ${op}`);
  }
}

const parseWhole = <T>(text: string, names: Record<string, string>, read: (parser: Parser) => T): T => {
  const parser = new Parser(text, names);
  const result = read(parser);
  if (!parser.done()) throw new ExpressionError(`Invalid expression: unexpected ${parser.peek()}`);
  return result;
};

export const parseCondition = (text: string, names: Record<string, string> = {}): Condition =>
  parseWhole(text, names, (parser) => parser.condition());

export const parseProjection = (text: string, names: Record<string, string> = {}): Path[] =>
  parseWhole(text, names, (parser) => {
    const paths = [parser.path()];
    while (parser.peek() === ',') {
      parser.next();
      paths.push(parser.path());
    }
    return paths;
  });

export const parseUpdate = (text: string, names: Record<string, string> = {}): UpdatePlan =>
  parseWhole(text, names, (parser) => {
    const plan: UpdatePlan = { set: [], remove: [] };
    while (!parser.done()) {
      const clause = parser.next().toUpperCase();
      do {
        if (clause === 'SET') {
          const path = parser.path();
          parser.expect('=');
          plan.set.push({ path, value: parser.operand() });
        } else if (clause === 'REMOVE') plan.remove.push(parser.path());
        else throw new ExpressionError(`Invalid UpdateExpression: ${clause} is not supported by the fake`);
      } while (parser.peek() === ',' && parser.next() === ',');
    }
    return plan;
  });
