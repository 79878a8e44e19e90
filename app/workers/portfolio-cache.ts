// The portfolio cache worker: a consumer group of its own on state.changes that projects the
// position actors' changes (actors/portfolio/portfolio-projection.ts) into the PortfolioCache: each
// changed position, then the cash balance, then the summary as the portfolio metrics.
import { domainEventTypes } from '../../actors/events.js';
import { projectPortfolio } from '../../actors/portfolio/portfolio-projection.js';
import type { PositionState } from '../../actors/position/position-math.js';
import type { Config } from '../../config/schema.js';
import type { Envelope } from '../../runtime/events/envelope.js';
import { EventTypeRegistry } from '../../runtime/events/event-types.js';
import { groupConsumer } from '../../runtime/intake/group-consumer.js';
import type { EventLog } from '../../runtime/ports/event-log.js';
import type { PortfolioCache } from '../../runtime/ports/portfolio-cache.js';
import type { ChildSpec } from '../../runtime/ports/supervision.js';

/** Projects the position actors' state changes into the portfolio cache (its own group). */
export function portfolioCacheWorker(eventLog: EventLog, cache: PortfolioCache<PositionState>, config: Config): ChildSpec {
  const types = new EventTypeRegistry(domainEventTypes);
  const project = portfolioProjection(cache, config.execution.initialBalance);
  return groupConsumer({
    id: 'portfolio-cache',
    eventLog,
    groupId: `${config.eventLog.groupId}-portfolio`,
    topics: ['state.changes'],
    maxBatchSize: config.eventLog.maxBatchSize,
    shutdownMs: 5000,
    eachBatch: async (consumer, batch) => {
      const events = [];
      for (const record of batch.records) {
        try {
          events.push(types.decode(record.value));
        } catch {
          // Dead-lettered by the router; a projection only reads valid events.
        }
      }
      await project(events);
      await consumer.commit(batch, batch.records[batch.records.length - 1]!.offset + 1);
    },
  });
}

/** Writes each batch's projection to the cache, starting from the positions the cache holds. */
function portfolioProjection(cache: PortfolioCache<PositionState>, initialBalance: number): (events: readonly Envelope[]) => Promise<void> {
  let positions: ReadonlyMap<string, PositionState> | undefined;
  return async (events) => {
    // After a process restart the balance must still cover every token, not only those changed since.
    positions ??= await cache.positions();
    const update = projectPortfolio(positions, events, initialBalance);
    if (!update) return;
    positions = update.positions;
    for (const token of update.changed) await cache.setPosition(token, update.positions.get(token)!);
    await cache.setBalance(update.cash);
    await cache.setMetrics({ ...update.summary });
  };
}
