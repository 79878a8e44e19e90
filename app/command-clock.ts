// Which clock dates operator commands: the wall clock on a live venue (orders meet real time there),
// the runtime's event time otherwise (paper trading over a synthetic, CSV or recorded feed), so a
// command sits on the same time line as the events the execution actor is acting on.
import type { ExchangeKind } from '../config/schema.js';
import { systemClock, type Clock } from '../runtime/ports/clock.js';

export function commandClock(venue: ExchangeKind, eventTime: Clock): Clock {
  return venue === 'paper' ? eventTime : systemClock;
}
