// Degraded mode bookkeeping: a dependency that is down (Redis, PostgreSQL) flips a gauge and logs
// once on the way down and once on the way back, instead of once per failed call.
import type { Logger } from 'pino';
import type { RuntimeMetrics } from './metrics.js';

export class Health {
  private readonly down = new Map<string, string>();

  constructor(
    private readonly metrics: RuntimeMetrics,
    private readonly log: Logger,
  ) {}

  degrade(component: string, reason: string): void {
    if (this.down.has(component)) return;
    this.down.set(component, reason);
    this.metrics.degraded.set({ component }, 1);
    this.log.error({ component, reason }, 'dependency down: running degraded');
  }

  recover(component: string): void {
    if (!this.down.has(component)) return;
    this.down.delete(component);
    this.metrics.degraded.set({ component }, 0);
    this.log.info({ component }, 'dependency back: leaving degraded mode');
  }

  isDegraded(component?: string): boolean {
    return component === undefined ? this.down.size > 0 : this.down.has(component);
  }

  components(): Record<string, string> {
    return Object.fromEntries(this.down);
  }
}
