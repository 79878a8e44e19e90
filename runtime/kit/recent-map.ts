// A map that remembers the last `capacity` keys set, forgetting the oldest first. The order is kept
// in a ring beside the Map: evicting through the Map's own iterator (keys().next()) walks past every
// deleted slot before a rehash and made each insert cost O(capacity) on the hot path.
export class RecentMap<K, V> {
  private readonly entries = new Map<K, V>();
  private readonly ring: (K | undefined)[];
  private head = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<K | undefined>(capacity);
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Sets a value; a new key forgets the oldest when full, a known key keeps its place. */
  set(key: K, value: V): void {
    if (!this.entries.has(key)) {
      const evicted = this.ring[this.head];
      if (evicted !== undefined) this.entries.delete(evicted);
      this.ring[this.head] = key;
      this.head = (this.head + 1) % this.capacity;
    }
    this.entries.set(key, value);
  }

  /** The keys held, oldest first. */
  keys(): K[] {
    const out: K[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const key = this.ring[(this.head + i) % this.capacity];
      if (key !== undefined) out.push(key);
    }
    return out;
  }
}
