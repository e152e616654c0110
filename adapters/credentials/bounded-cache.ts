/**
 * A least-recently-used map with a size cap and a time-to-live per entry: what a Lambda environment keeps of the
 * accounts it has looked up. A flood of distinct keys evicts the oldest entries; it never grows past `maxEntries`.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** The live entry, or `{ found: false }` (an expired entry is dropped, never served). */
  get(key: string): { found: true; value: V } | { found: false } {
    const entry = this.entries.get(key);
    if (entry === undefined) return { found: false };
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return { found: false };
    this.entries.set(key, entry); // most recently used last
    return { found: true, value: entry.value };
  }

  /** `since`: when the value was true (e.g. when its read was sent); the TTL counts from then. Default: now. */
  set(key: string, value: V, since: number = this.now()): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: since + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
