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

  /**
   * For a dependency that reports its own state: degraded while `problem` is set (a change of
   * problem is logged once, e.g. a down broker's partitions got new leaders), recovered when not.
   */
  track(component: string, problem: string | undefined): void {
    if (problem === undefined) return this.recover(component);
    const before = this.down.get(component);
    if (before === undefined) return this.degrade(component, problem);
    if (before === problem) return;
    this.down.set(component, problem);
    this.log.warn({ component, reason: problem }, 'dependency still down: running degraded');
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
