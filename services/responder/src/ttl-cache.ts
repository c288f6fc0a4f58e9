/** A small per-key cache whose entries expire; loads are shared by concurrent callers of one key. */
export class TtlCache<T> {
  readonly #entries = new Map<string, { value: Promise<T>; until: number; loaded?: { value: T } }>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = load();
    const entry: { value: Promise<T>; until: number; loaded?: { value: T } } = {
      value,
      until: Date.now() + this.ttlMs,
    };
    this.#entries.set(key, entry);
    value.then(
      (loaded) => {
        entry.loaded = { value: loaded };
      },
      // A failed load is not kept; an entry that replaced it meanwhile (after a clear) stays.
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return value;
  }

  /** The value cached for `key` right now, if its load has finished and it has not expired; never loads. */
  peek(key: string): T | undefined {
    const hit = this.#entries.get(key);
    return hit && hit.until > Date.now() ? hit.loaded?.value : undefined;
  }

  invalidate(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops every entry; loads in flight still answer their callers but are not kept. */
  clear(): void {
    this.#entries.clear();
  }
}
