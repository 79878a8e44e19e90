// The runtime's Prometheus metrics, in a registry of its own so several runtimes in one process
// (specs, multi-pod tests) never collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class RuntimeMetrics {
  readonly registry = new Registry();
  readonly consumed = new Counter({ name: 'regent_events_consumed_total', help: 'Records consumed from the log', labelNames: ['topic'] as const, registers: [this.registry] });
  readonly published = new Counter({ name: 'regent_events_published_total', help: 'Events published to the log', labelNames: ['topic'] as const, registers: [this.registry] });
  readonly failed = new Counter({ name: 'regent_events_failed_total', help: 'Records that failed decoding or handling', labelNames: ['topic', 'reason'] as const, registers: [this.registry] });
  readonly deadLetters = new Counter({ name: 'regent_dead_letters_total', help: 'Records sent to a dead-letter topic', labelNames: ['topic', 'reason'] as const, registers: [this.registry] });
  readonly republished = new Counter({ name: 'regent_events_republish_skipped_total', help: 'Events not published again: the same event id was published moments ago (one fact recorded by two sources)', labelNames: ['topic'] as const, registers: [this.registry] });
  readonly duplicates = new Counter({ name: 'regent_duplicates_skipped_total', help: 'Redelivered records an actor had already applied', labelNames: ['agent'] as const, registers: [this.registry] });
  readonly handlerSeconds = new Histogram({
    name: 'regent_handler_duration_seconds',
    help: 'Time an agent handler takes per event',
    labelNames: ['agent'] as const,
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  /** Set by the runtime: refreshes the sampled gauges just before a scrape. */
  sampler: (() => void) | undefined;
  readonly mailboxDepth = new Gauge({ name: 'regent_mailbox_depth', help: 'Events waiting in actor mailboxes and stashes', labelNames: ['agent'] as const, registers: [this.registry], collect: () => this.sampler?.() });
  readonly actors = new Gauge({ name: 'regent_actors', help: 'Live actors', labelNames: ['agent'] as const, registers: [this.registry] });
  readonly restarts = new Counter({ name: 'regent_actor_restarts_total', help: 'Restarts performed by supervisors', labelNames: ['supervisor', 'child'] as const, registers: [this.registry] });
  readonly committedOffset = new Gauge({ name: 'regent_committed_offset', help: 'Last committed offset', labelNames: ['topic', 'partition'] as const, registers: [this.registry] });
  readonly inFlight = new Gauge({ name: 'regent_partition_in_flight_records', help: 'Records delivered but not yet processed', labelNames: ['topic'] as const, registers: [this.registry] });

  readonly degraded = new Gauge({ name: 'regent_degraded', help: '1 while a dependency is down and the runtime works around it', labelNames: ['component'] as const, registers: [this.registry] });
  readonly rehydrations = new Counter({ name: 'regent_rehydrations_total', help: 'Actor rehydrations by where the state came from', labelNames: ['agent', 'source'] as const, registers: [this.registry] });
  readonly refusedSnapshots = new Counter({ name: 'regent_snapshots_refused_total', help: 'Snapshots not used because their offsets belong to another log history, or to offsets this log rewrote', labelNames: ['agent', 'reason'] as const, registers: [this.registry] });
  readonly divergences = new Counter({ name: 'regent_rehydration_divergences_total', help: 'Restarts whose replayed state differed from the live state', labelNames: ['agent'] as const, registers: [this.registry] });
  readonly replayed = new Counter({ name: 'regent_rehydration_replayed_events_total', help: 'Events replayed from the event store during rehydration', labelNames: ['agent'] as const, registers: [this.registry] });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'regent_' });
  }

  /** Sum of a counter over all label sets (summaries, specs). */
  async total(counter: Counter<string>, filter: Record<string, string> = {}): Promise<number> {
    const { values } = await counter.get();
    return values
      .filter((v) => Object.entries(filter).every(([k, want]) => v.labels[k] === want))
      .reduce((sum, v) => sum + v.value, 0);
  }
}
