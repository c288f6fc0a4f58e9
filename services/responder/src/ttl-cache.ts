/** A small per-key cache whose entries expire; loads are shared by concurrent callers of one key. */
export class TtlCache<T> {
  readonly #entries = new Map<string, { value: Promise<T>; until: number }>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = load();
    this.#entries.set(key, { value, until: Date.now() + this.ttlMs });
    // A failed load is not kept; an entry that replaced it meanwhile (after a clear) stays.
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    return value;
  }

  invalidate(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops every entry; loads in flight still answer their callers but are not kept. */
  clear(): void {
    this.#entries.clear();
  }
}
