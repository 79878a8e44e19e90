// The runtime's event-time clock: it follows the latest event time the runtime has processed, so
// anything dated "now" from outside an actor (an operator command) sits on the same time line as
// the events. Before the first event there is no event time, and it says so instead of guessing.
import type { Clock } from './ports/clock.js';

export class EventTimeUnknownError extends Error {
  override readonly name = 'EventTimeUnknownError';
  constructor() {
    super('no event has been processed yet, so this run has no event time to date a command by; try again once the feed has started');
  }
}

export class EventTimeClock implements Clock {
  private latest: number | undefined;

  /** Shown every processed event's time; keeps the latest. */
  observe(ts: number): void {
    if (this.latest === undefined || ts > this.latest) this.latest = ts;
  }

  known(): boolean {
    return this.latest !== undefined;
  }

  /** The latest processed event time; throws EventTimeUnknownError before the first. */
  now(): number {
    if (this.latest === undefined) throw new EventTimeUnknownError();
    return this.latest;
  }
}
