// The operator API behind the ops server's /execution endpoints: the execution actor's safety state
// as it is now (when it runs on this pod), and operator commands published as `order.command` events,
// dated by the runtime's clock (command-clock.ts), never by a clock of their own.
import { randomUUID } from 'node:crypto';
import type { ExecutionState } from '../actors/execution/state.js';
import { OrderCommand, type OperatorCommand } from '../actors/execution/events.js';
import { isLoopbackAddress } from '../adapters/http/host-check.js';
import type { Secret } from '../config/secrets.js';
import { EventTimeUnknownError } from '../runtime/event-time-clock.js';
import type { Clock } from '../runtime/ports/clock.js';
import { OperatorUnavailableError, type OperatorApi } from '../runtime/ports/operator-api.js';
import type { Runtime } from '../runtime/runtime.js';

export function operatorApi(runtime: () => Runtime | undefined, host: string, token: Secret | undefined, clock: Clock): OperatorApi<OperatorCommand> {
  return {
    loopbackOnly: isLoopbackAddress(host),
    token: () => token?.value(),
    async status() {
      const s = await runtime()?.registry.peek<ExecutionState>('execution', 'execution');
      if (!s) return undefined;
      return {
        killSwitch: s.safety.killSwitch,
        exchangeBreaker: s.safety.exchangeBreaker,
        locks: s.safety.protections.locks,
        reviews: s.safety.reviews.items,
        ordersInFlight: s.orders,
        reconcilePending: s.reconcilePending,
        counters: s.counters,
        cash: s.cash,
        book: s.book,
      };
    },
    async command(command: OperatorCommand) {
      const rt = runtime();
      if (!rt) throw new OperatorUnavailableError('the runtime is not running');
      const id = randomUUID();
      await rt.publisherPort.publish([{ id, type: OrderCommand.type, ts: now(clock), source: 'operator', correlationId: id, data: command }]);
      return id;
    },
  };
}

function now(clock: Clock): number {
  try {
    return clock.now();
  } catch (err) {
    if (err instanceof EventTimeUnknownError) throw new OperatorUnavailableError(err.message);
    throw err;
  }
}
