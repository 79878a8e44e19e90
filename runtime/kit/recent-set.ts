// A set that remembers the last `capacity` values added, forgetting the oldest first (RecentMap).
import { RecentMap } from './recent-map.js';

export class RecentSet<T> {
  private readonly members: RecentMap<T, true>;

  constructor(capacity: number) {
    this.members = new RecentMap(capacity);
  }

  get size(): number {
    return this.members.size;
  }

  has(value: T): boolean {
    return this.members.has(value);
  }

  /** Adds a value (a value already present is not added again); the oldest is forgotten when full. */
  add(value: T): void {
    this.members.set(value, true);
  }

  /** The values held, oldest first. */
  values(): T[] {
    return this.members.keys();
  }
}
