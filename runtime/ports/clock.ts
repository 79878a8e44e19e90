// Time comes from a Clock: wall time live, event time in replay and backtests, virtual in specs.
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock moved by hand (specs, the agent test kit) or by event time (replay). */
export class ManualClock implements Clock {
  constructor(private current = 0) {}
  now(): number {
    return this.current;
  }
  set(ms: number): void {
    if (ms > this.current) this.current = ms;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
