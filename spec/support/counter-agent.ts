// A small agent for kernel specs: counts the ticks of a token and remembers their order; it can be
// told to crash on chosen event ids, a set number of times each.
import { z } from 'zod';
import { defineAgent } from '../../runtime/agent/agent.js';
import { defineEvent } from '../../runtime/events/event-types.js';

export const Tick = defineEvent('test.tick', 'test.ticks', z.object({ n: z.number().int() }));
export const Counted = defineEvent('test.counted', 'test.counts', z.object({ count: z.number().int() }));

export interface CounterState {
  readonly count: number;
  readonly seen: number[];
}

export function counterAgent(options: { crashOn?: Map<string, number>; name?: string; emit?: boolean; slowMs?: number } = {}) {
  const crashes = options.crashOn ?? new Map<string, number>();
  return defineAgent({
    name: options.name ?? 'counter',
    consumes: [Tick],
    key: 'token',
    initialState: (): CounterState => ({ count: 0, seen: [] }),
    handle: async (state, event, ctx) => {
      const left = crashes.get(event.id) ?? 0;
      if (left > 0) {
        crashes.set(event.id, left - 1);
        throw new Error(`boom on ${event.id}`);
      }
      if (options.slowMs) await new Promise((r) => setTimeout(r, options.slowMs));
      const next = { count: state.count + 1, seen: [...state.seen, event.data.n] };
      if (options.emit) ctx.emit(Counted, { count: next.count });
      return next;
    },
  });
}
