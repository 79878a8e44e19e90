// A cap on LLM requests per rolling window (a minute by default), so a burst of ticks cannot turn
// into a burst of paid API calls. A spent budget refuses at once; the caller falls back to the
// rule-based signal instead of queueing.

export interface RequestBudgetOptions {
  /** Requests allowed in any window of `windowMs`; a positive integer. */
  readonly maxRequests: number;
  readonly windowMs?: number;
  /** Milliseconds clock; injectable so specs can move time. */
  readonly now?: () => number;
}

export class RequestBudget {
  readonly maxRequests: number;
  readonly windowMs: number;
  private readonly now: () => number;
  /** Times of the requests still inside the window, oldest first. */
  private readonly taken: number[] = [];

  constructor(options: RequestBudgetOptions) {
    this.maxRequests = options.maxRequests;
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
    if (!(Number.isInteger(this.maxRequests) && this.maxRequests > 0)) {
      throw new RangeError(`maxRequests must be a positive integer, got ${this.maxRequests}`);
    }
    if (!(Number.isFinite(this.windowMs) && this.windowMs > 0)) {
      throw new RangeError(`windowMs must be a positive number, got ${this.windowMs}`);
    }
  }

  /** Takes one request from the budget; false (and nothing taken) when the window is full. */
  tryTake(): boolean {
    const now = this.prune();
    if (this.taken.length >= this.maxRequests) return false;
    this.taken.push(now);
    return true;
  }

  /** Requests still allowed right now. */
  remaining(): number {
    this.prune();
    return this.maxRequests - this.taken.length;
  }

  /** Milliseconds until the next request would be allowed (0 when one is allowed now). */
  retryInMs(): number {
    const now = this.prune();
    if (this.taken.length < this.maxRequests) return 0;
    return this.taken[0]! + this.windowMs - now;
  }

  private prune(): number {
    const now = this.now();
    while (this.taken.length > 0 && this.taken[0]! <= now - this.windowMs) this.taken.shift();
    return now;
  }
}
