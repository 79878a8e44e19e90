// Prometheus gauges of the execution actor's safety state, read from its live state at scrape time:
// kill switch, circuit breakers, orders in flight, reviews waiting, reconciliation, protection locks,
// and the count of every verdict reason so far. Nothing is sampled when execution is not on this pod.
import { Gauge, type Registry } from 'prom-client';
import type { ExecutionState } from '../actors/execution/state.js';

const BREAKER_LEVEL = { closed: 0, 'half-open': 1, open: 2 } as const;

export function registerExecutionMetrics(registry: Registry, stateOf: () => ExecutionState | undefined): void {
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], collect: (g: Gauge<L>, s: ExecutionState) => void) => {
    const g: Gauge<L> = new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        const s = stateOf();
        g.reset();
        if (s) collect(g, s);
      },
    });
  };
  gauge('regent_execution_kill_switch', '1 while the kill switch is active', [], (g, s) => g.set(s.safety.killSwitch.active ? 1 : 0));
  gauge('regent_execution_breaker_state', 'Circuit breaker: 0 closed, 1 half-open, 2 open', ['dependency'], (g, s) => {
    g.set({ dependency: 'exchange' }, BREAKER_LEVEL[s.safety.exchangeBreaker.status]);
    g.set({ dependency: 'order-store' }, BREAKER_LEVEL[s.safety.storeBreaker.status]);
  });
  gauge('regent_execution_orders_in_flight', 'Orders sent and not done, by status', ['status'], (g, s) => {
    for (const o of Object.values(s.orders)) g.inc({ status: o.status });
  });
  gauge('regent_execution_reviews_waiting', 'Orders waiting for an operator', [], (g, s) => g.set(s.safety.reviews.items.length));
  gauge('regent_execution_reconcile_pending', '1 while orders or positions could not be reconciled with the venue', [], (g, s) => g.set(s.reconcilePending ? 1 : 0));
  gauge('regent_execution_locks', 'Protection locks held, by reason', ['reason'], (g, s) => {
    for (const l of s.safety.protections.locks) g.inc({ reason: l.reason });
  });
  gauge('regent_execution_rejections', 'Orders refused so far, by reason (since the actor state began)', ['reason'], (g, s) => {
    for (const [reason, n] of Object.entries(s.counters.rejections)) g.set({ reason }, n);
  });
  gauge('regent_execution_audit_pending', 'Audit records waiting for the audit log to come back', [], (g, s) => g.set(s.pendingAudit.length));
}
