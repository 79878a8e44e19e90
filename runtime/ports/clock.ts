// Time comes from a Clock: wall time live, event time in replay and backtests, virtual in specs.
// The kernel reads time only here (spec/architecture.spec.ts holds it to that).
export interface Clock {
  now(): number;
}

/** A timer set on a RuntimeClock: cancelled before it fires, it never does. */
export interface Timer {
  cancel(): void;
}

/**
 * The kernel's time (RuntimeOptions.clock): the wall time it dates things by, a monotonic reading
 * for durations and deadlines, and timers for what it waits out.
 */
export interface RuntimeClock extends Clock {
  /** Milliseconds from an arbitrary origin that never jumps with the wall clock. */
  elapsed(): number;
  /** Calls `fn` once, after `ms`. */
  after(ms: number, fn: () => void): Timer;
}

export const systemClock: RuntimeClock = {
  now: () => Date.now(),
  elapsed: () => performance.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

/** Resolves after `ms` on `clock`. */
export function sleep(clock: RuntimeClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.after(ms, resolve));
}

/** A clock moved by hand (specs, the agent test kit) or by event time (replay); its timers fire as it moves. */
export class ManualClock implements RuntimeClock {
  private timers: { at: number; fn: () => void }[] = [];

  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  elapsed(): number {
    return this.current;
  }

  after(ms: number, fn: () => void): Timer {
    const timer = { at: this.current + ms, fn };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((t) => t !== timer)) };
  }

  set(ms: number): void {
    this.moveTo(Math.max(this.current, ms));
  }

  advance(ms: number): void {
    this.moveTo(this.current + Math.max(0, ms));
  }

  /**
   * Fires the timers due by `target` earliest first, one at a time, each at its own time (a callback
   * sees now() = its due time; one cancelled or added by an earlier callback counts), then stops at `target`.
   */
  private moveTo(target: number): void {
    for (;;) {
      let next: { at: number; fn: () => void } | undefined;
      for (const t of this.timers) if (t.at <= target && (!next || t.at < next.at)) next = t;
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = target;
  }
}
