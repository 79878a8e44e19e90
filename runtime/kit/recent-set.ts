// A set that remembers the last `capacity` values added, forgetting the oldest first. The order is
// kept in a ring beside the Set: evicting through the Set's own iterator (values().next()) walks
// past every deleted slot before a rehash and made each add cost O(capacity) on the hot path.
export class RecentSet<T> {
  private readonly members = new Set<T>();
  private readonly ring: (T | undefined)[];
  private head = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.members.size;
  }

  has(value: T): boolean {
    return this.members.has(value);
  }

  /** Adds a value (a value already present is not added again); the oldest is forgotten when full. */
  add(value: T): void {
    if (this.members.has(value)) return;
    const evicted = this.ring[this.head];
    if (evicted !== undefined) this.members.delete(evicted);
    this.ring[this.head] = value;
    this.head = (this.head + 1) % this.capacity;
    this.members.add(value);
  }
}
