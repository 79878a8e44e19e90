// The operator API behind the ops server's /execution endpoints: the execution actor's safety state
// as it is now (when it runs on this pod), and operator commands published as `order.command` events.
import { randomUUID } from 'node:crypto';
import type { ExecutionState } from '../actors/execution/state.js';
import { OrderCommand } from '../actors/execution/events.js';
import { isLoopbackAddress } from '../adapters/http/host-check.js';
import type { OperatorApi, OperatorCommand } from '../adapters/http/operator-routes.js';
import type { Secret } from '../config/secrets.js';
import type { Runtime } from './runtime.js';

export function operatorApi(runtime: () => Runtime | undefined, host: string, token: Secret | undefined): OperatorApi {
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
      if (!rt) throw new Error('the runtime is not running');
      const id = randomUUID();
      await rt.publisherPort.publish([{ id, type: OrderCommand.type, ts: Date.now(), source: 'operator', correlationId: id, data: command }]);
      return id;
    },
  };
}
