// Runs the portfolio cache's consistency check (checkAndRepair) now and then every interval, and
// exports what each check found and repaired as Prometheus metrics. A failed check is logged and
// counted, never thrown: the cache is a cache, and the next check tries again.
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { checkAndRepair, type ConsistencyCheck, type ConsistencyReport } from '../../actors/portfolio/consistency-check.js';
import { foldPositions, positionEventTypes } from '../../actors/portfolio/positions-from-events.js';
import type { PositionState } from '../../actors/position/position-math.js';
import type { Config } from '../../config/schema.js';
import type { RuntimeMetrics } from '../../runtime/observe/metrics.js';
import type { EventStore } from '../../runtime/ports/event-store.js';
import { silentLogger } from '../../runtime/ports/logger.js';
import type { PortfolioCache } from '../../runtime/ports/portfolio-cache.js';
import { workerSpec, type ChildSpec } from '../../runtime/ports/supervision.js';

export interface ConsistencyJobOptions extends ConsistencyCheck {
  readonly intervalMs: number;
  readonly logger?: Logger;
  readonly metrics?: Registry;
}

const KINDS = ['missing', 'stale', 'extra'] as const;

export class ConsistencyJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ConsistencyReport | undefined> | undefined;
  private readonly log: Logger;
  private readonly checks: Counter<'result'>;
  private readonly problems: Counter<'kind'>;
  private readonly repairs: Counter;
  private readonly lastProblems: Gauge<'kind'>;

  constructor(private readonly options: ConsistencyJobOptions) {
    this.log = (options.logger ?? silentLogger).child({ component: 'portfolio-consistency' });
    const registers = options.metrics ? [options.metrics] : [];
    const reuse = <M>(name: string, make: () => M): M => (options.metrics?.getSingleMetric(name) as M | undefined) ?? make();
    this.checks = reuse('regent_portfolio_consistency_checks_total', () =>
      new Counter({ name: 'regent_portfolio_consistency_checks_total', help: 'Portfolio cache consistency checks run, by result (ok, failed)', labelNames: ['result'] as const, registers }),
    );
    this.problems = reuse('regent_portfolio_consistency_problems_total', () =>
      new Counter({ name: 'regent_portfolio_consistency_problems_total', help: 'Cached positions found wrong, by kind (missing, stale, extra)', labelNames: ['kind'] as const, registers }),
    );
    this.repairs = reuse('regent_portfolio_consistency_repairs_total', () =>
      new Counter({ name: 'regent_portfolio_consistency_repairs_total', help: 'Cached positions rewritten or deleted by the consistency check', registers }),
    );
    this.lastProblems = reuse('regent_portfolio_consistency_last_problems', () =>
      new Gauge({ name: 'regent_portfolio_consistency_last_problems', help: 'Cached positions found wrong by the last completed check, by kind', labelNames: ['kind'] as const, registers }),
    );
  }

  start(): void {
    if (this.timer) return;
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One check (joined if one is still going); resolves undefined on failure. */
  runOnce(): Promise<ConsistencyReport | undefined> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<ConsistencyReport | undefined> {
    const { cache, truth, repair } = this.options;
    try {
      const report = await checkAndRepair({ cache, truth, repair });
      this.checks.inc({ result: 'ok' });
      for (const kind of KINDS) {
        this.problems.inc({ kind }, report[kind].length);
        this.lastProblems.set({ kind }, report[kind].length);
      }
      this.repairs.inc(report.repaired);
      if (report.missing.length + report.stale.length + report.extra.length > 0) this.log.warn({ ...report }, 'portfolio cache differed from the event store');
      return report;
    } catch (error) {
      this.checks.inc({ result: 'failed' });
      this.log.error({ err: error }, 'portfolio cache consistency check failed');
      return undefined;
    }
  }
}

/** Compares the portfolio cache with the fold of the stored fills and ticks, and repairs it, every interval. */
export function portfolioConsistency(cache: PortfolioCache<PositionState>, store: EventStore, config: Config, logger: Logger, metrics: RuntimeMetrics): ChildSpec {
  return workerSpec('portfolio-consistency', 10_000, () => {
    const job = new ConsistencyJob({
      cache,
      truth: () => foldPositions(store.replay({ types: positionEventTypes, order: 'offset' })),
      repair: config.state.consistencyCheck.repair,
      intervalMs: config.state.consistencyCheck.intervalMs,
      logger,
      metrics: metrics.registry,
    });
    job.start();
    return { stop: () => job.stop(), kill: () => void job.stop() };
  });
}
