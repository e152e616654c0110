import {
  ExpressionError,
  type Condition,
  type Operand,
  type Path,
  type PathElement,
  type UpdatePlan,
} from './expressions';

/** DynamoDB's wire form of a value (the AWS JSON protocol), as items are stored and compared by the fake. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: AttributeValue[] }
  | { M: Item }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };
export type Item = Record<string, AttributeValue>;
export type Values = Record<string, AttributeValue>;

const typeOf = (value: AttributeValue): string => Object.keys(value)[0] as string;

const child = (value: AttributeValue | undefined, element: PathElement): AttributeValue | undefined => {
  if (value === undefined) return undefined;
  if ('name' in element) return 'M' in value ? value.M[element.name] : undefined;
  return 'L' in value ? value.L[element.index] : undefined;
};

export const getPath = (item: Item, path: Path): AttributeValue | undefined =>
  path.slice(1).reduce(child, item[(path[0] as { name: string }).name]);

/** The container the path's last element lives in (a map or list value, or the item itself). */
const parentOf = (item: Item, path: Path): Item | AttributeValue[] => {
  if (path.length === 1) return item;
  const parent = getPath(item, path.slice(0, -1));
  if (parent !== undefined && 'M' in parent) return parent.M;
  if (parent !== undefined && 'L' in parent) return parent.L;
  throw new ExpressionError('The document path provided in the update expression is invalid for update');
};

export const setPath = (item: Item, path: Path, value: AttributeValue): void => {
  const parent = parentOf(item, path);
  const last = path[path.length - 1] as PathElement;
  if (Array.isArray(parent) && 'index' in last) parent[Math.min(last.index, parent.length)] = value;
  else if (!Array.isArray(parent) && 'name' in last) parent[last.name] = value;
  else throw new ExpressionError('The document path provided in the update expression is invalid for update');
};

export const removePath = (item: Item, path: Path): void => {
  const last = path[path.length - 1] as PathElement;
  if (path.length === 1) {
    if ('name' in last) delete item[last.name];
    return;
  }
  const parent = getPath(item, path.slice(0, -1));
  if (parent !== undefined && 'M' in parent && 'name' in last) delete parent.M[last.name];
  else if (parent !== undefined && 'L' in parent && 'index' in last) parent.L.splice(last.index, 1);
};

const valueOf = (values: Values, name: string): AttributeValue => {
  const value = values[name];
  if (value === undefined) throw new ExpressionError(`An expression attribute value used is not defined: ${name}`);
  return value;
};

const sizeOf = (value: AttributeValue): number => {
  if ('S' in value) return Buffer.byteLength(value.S);
  if ('B' in value) return Buffer.from(value.B, 'base64').length;
  if ('L' in value) return value.L.length;
  if ('M' in value) return Object.keys(value.M).length;
  if ('SS' in value) return value.SS.length;
  if ('NS' in value) return value.NS.length;
  if ('BS' in value) return value.BS.length;
  throw new ExpressionError('Invalid function operand type for size');
};

export const resolve = (operand: Operand, item: Item, values: Values): AttributeValue | undefined => {
  switch (operand.kind) {
    case 'path':
      return getPath(item, operand.path);
    case 'value':
      return valueOf(values, operand.name);
    case 'arith': {
      const left = resolve(operand.left, item, values);
      const right = resolve(operand.right, item, values);
      if (left === undefined || right === undefined || !('N' in left) || !('N' in right)) {
        throw new ExpressionError('An operand in the update expression has an incorrect data type');
      }
      return { N: String(Number(left.N) + (operand.op === '+' ? 1 : -1) * Number(right.N)) };
    }
    case 'call':
      return call(operand.fn, operand.args, item, values);
  }
};

const call = (fn: string, args: Operand[], item: Item, values: Values): AttributeValue | undefined => {
  const [first, second] = args.map((arg) => resolve(arg, item, values));
  if (fn === 'if_not_exists') return first ?? second;
  if (fn === 'size') return first === undefined ? undefined : { N: String(sizeOf(first)) };
  if (fn === 'list_append') {
    if (first === undefined || second === undefined || !('L' in first) || !('L' in second)) {
      throw new ExpressionError('An operand in the update expression has an incorrect data type');
    }
    return { L: [...first.L, ...second.L] };
  }
  throw new ExpressionError(`Invalid function name; function: ${fn}`);
};

export const equal = (a: AttributeValue | undefined, b: AttributeValue | undefined): boolean => {
  if (a === undefined || b === undefined) return false;
  if ('N' in a && 'N' in b) return Number(a.N) === Number(b.N);
  return typeOf(a) === typeOf(b) && JSON.stringify(a) === JSON.stringify(b);
};

/** Order of two scalars of one type (S, N or B); undefined when they cannot be ordered. */
export const order = (a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined => {
  if (a === undefined || b === undefined) return undefined;
  if ('N' in a && 'N' in b) return Number(a.N) - Number(b.N);
  if ('S' in a && 'S' in b) return Buffer.compare(Buffer.from(a.S), Buffer.from(b.S));
  if ('B' in a && 'B' in b) return Buffer.compare(Buffer.from(a.B, 'base64'), Buffer.from(b.B, 'base64'));
  return undefined;
};

const compare = (op: string, a: AttributeValue | undefined, b: AttributeValue | undefined): boolean => {
  if (op === '=') return equal(a, b);
  if (op === '<>') return a !== undefined && b !== undefined && !equal(a, b);
  const difference = order(a, b);
  if (difference === undefined) return false;
  return op === '<' ? difference < 0 : op === '<=' ? difference <= 0 : op === '>' ? difference > 0 : difference >= 0;
};

const conditionFunction = (fn: string, args: Operand[], item: Item, values: Values): boolean => {
  const [first, second] = args.map((arg) => resolve(arg, item, values));
  switch (fn) {
    case 'attribute_exists':
      return first !== undefined;
    case 'attribute_not_exists':
      return first === undefined;
    case 'attribute_type':
      return first !== undefined && second !== undefined && 'S' in second && typeOf(first) === second.S;
    case 'begins_with':
      return (
        first !== undefined && second !== undefined && 'S' in first && 'S' in second && first.S.startsWith(second.S)
      );
    case 'contains':
      if (first === undefined || second === undefined) return false;
      if ('S' in first && 'S' in second) return first.S.includes(second.S);
      if ('L' in first) return first.L.some((element) => equal(element, second));
      return false;
    default:
      throw new ExpressionError(`Invalid function name; function: ${fn}`);
  }
};

export const holds = (condition: Condition, item: Item, values: Values): boolean => {
  switch (condition.kind) {
    case 'and':
      return holds(condition.left, item, values) && holds(condition.right, item, values);
    case 'or':
      return holds(condition.left, item, values) || holds(condition.right, item, values);
    case 'not':
      return !holds(condition.operand, item, values);
    case 'compare':
      return compare(condition.op, resolve(condition.left, item, values), resolve(condition.right, item, values));
    case 'in': {
      const left = resolve(condition.left, item, values);
      return condition.options.some((option) => equal(left, resolve(option, item, values)));
    }
    case 'between': {
      const value = resolve(condition.operand, item, values);
      const low = order(value, resolve(condition.low, item, values));
      const high = order(value, resolve(condition.high, item, values));
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case 'function':
      return conditionFunction(condition.fn, condition.args, item, values);
  }
};

/**
 * Applies an update to a copy of the item: every right-hand side is read from the item as it was. Copy on write: the
 * copy is shallow except for the top-level attributes the update changes inside (deep-copied first), so the stored
 * item is never changed and an update's cost follows what it touches, not the item's size.
 */
export const applyUpdate = (before: Item, plan: UpdatePlan, values: Values): Item => {
  const after: Item = { ...before };
  const touched = new Set<string>();
  for (const path of [...plan.set.map((assignment) => assignment.path), ...plan.remove]) {
    const top = path[0];
    if (top === undefined || !('name' in top)) continue;
    touched.add(top.name);
    const value = before[top.name];
    if (path.length > 1 && value !== undefined && after[top.name] === value) after[top.name] = structuredClone(value);
  }
  const assignments = plan.set.map(({ path, value }) => {
    const resolved = resolve(value, before, values);
    if (resolved === undefined) {
      throw new ExpressionError('The provided expression refers to an attribute that does not exist in the item');
    }
    return { path, value: resolved };
  });
  for (const { path, value } of assignments) setPath(after, path, structuredClone(value));
  for (const path of plan.remove) removePath(after, path);
  // The copy's size from the original's: only the attributes the update touched are measured again.
  let size = itemBytes(before);
  for (const name of touched) size += attributeBytes(name, after[name]) - attributeBytes(name, before[name]);
  sizes.set(after, size);
  return after;
};

const attributeBytes = (name: string, value: AttributeValue | undefined): number =>
  value === undefined ? 0 : Buffer.byteLength(name) + Buffer.byteLength(JSON.stringify(value));
/** Sizes of items already measured (stored items are never changed in place, so a size stays true). */
const sizes = new WeakMap<Item, number>();

/**
 * An item's size as DynamoDB bills and limits it: its attributes' names plus their values (as JSON here, which errs
 * on the large side: close enough for the 400 KB limit).
 */
export const itemBytes = (item: Item): number => {
  let size = sizes.get(item);
  if (size === undefined) {
    size = Object.entries(item).reduce((sum, [name, value]) => sum + attributeBytes(name, value), 0);
    sizes.set(item, size);
  }
  return size;
};
