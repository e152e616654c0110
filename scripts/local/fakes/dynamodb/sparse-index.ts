import type { AttributeValue, Item } from './evaluate';

const scalar = (value: AttributeValue | undefined): string =>
  value === undefined ? '' : 'S' in value ? value.S : 'N' in value ? value.N : JSON.stringify(value);

interface Entry {
  sortKey: string;
  key: Item;
}

/** The first position in `list` whose sortKey is not below `sortKey`. */
const lowerBound = (list: readonly Entry[], sortKey: string): number => {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((list[mid] as Entry).sortKey < sortKey) low = mid + 1;
    else high = mid;
  }
  return low;
};

/**
 * A sparse KEYS_ONLY global secondary index of the fake DynamoDB (./fake-dynamodb.ts), as the pending-events index:
 * an item is in it only while it has both index keys. Per hash value, entries stay sorted by (range value, table key),
 * so a page is a slice (fast enough for the relay bench's backlogs of tens of thousands).
 */
export class SparseIndex {
  private readonly partitions = new Map<string, Entry[]>();

  constructor(
    readonly hash: string,
    readonly range: string,
    private readonly tableKeys: readonly string[],
  ) {}

  clear(): void {
    this.partitions.clear();
  }

  private sortKeyOf(item: Item): string {
    return [scalar(item[this.range]), ...this.tableKeys.map((name) => scalar(item[name]))].join('\u0000');
  }

  private entryOf(item: Item | undefined): { hash: string; sortKey: string } | undefined {
    if (item?.[this.hash] === undefined || item[this.range] === undefined) return undefined;
    return { hash: scalar(item[this.hash]), sortKey: this.sortKeyOf(item) };
  }

  /** Keeps the index in step with one item's change. */
  update(before: Item | undefined, after: Item): void {
    const old = this.entryOf(before);
    const next = this.entryOf(after);
    if (old !== undefined && next !== undefined && old.hash === next.hash && old.sortKey === next.sortKey) return;
    if (old !== undefined) {
      const list = this.partitions.get(old.hash) ?? [];
      const at = lowerBound(list, old.sortKey);
      if (list[at]?.sortKey === old.sortKey) list.splice(at, 1);
    }
    if (next !== undefined) {
      let list = this.partitions.get(next.hash);
      if (list === undefined) this.partitions.set(next.hash, (list = []));
      const key: Item = {};
      for (const name of [...this.tableKeys, this.hash, this.range]) {
        const value = after[name];
        if (value !== undefined) key[name] = value;
      }
      list.splice(lowerBound(list, next.sortKey), 0, { sortKey: next.sortKey, key });
    }
  }

  /** One page of keys in range order (or reversed), after `exclusiveStart`, at most `limit`. */
  page(
    hashValue: string,
    options: { forward: boolean; exclusiveStart?: Item | undefined; limit?: number | undefined },
  ): { keys: Item[]; last: Item | undefined } {
    let list = this.partitions.get(hashValue) ?? [];
    if (!options.forward) list = [...list].reverse();
    let start = 0;
    if (options.exclusiveStart !== undefined) {
      const sortKey = this.sortKeyOf(options.exclusiveStart);
      const at = list.findIndex((entry) => entry.sortKey === sortKey);
      start = at === -1 ? lowerBound(list, sortKey) : at + 1;
    }
    const end = options.limit === undefined ? list.length : Math.min(list.length, start + options.limit);
    const keys = list.slice(start, end).map((entry) => entry.key);
    return { keys, last: end < list.length ? keys[keys.length - 1] : undefined };
  }
}
