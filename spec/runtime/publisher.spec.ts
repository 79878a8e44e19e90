// The publisher's dead letters: the record keeps everything, the log line stays short.
import { expect } from 'chai';
import { MemoryEventLog } from '../../adapters/eventlog/memory/memory-event-log.js';
import { EventTypeRegistry } from '../../runtime/events/event-types.js';
import { createLogger } from '../../runtime/observe/logger.js';
import { RuntimeMetrics } from '../../runtime/observe/metrics.js';
import { Publisher } from '../../runtime/intake/publisher.js';
import { domainEventTypes } from '../../actors/events.js';

describe('Publisher dead letters', () => {
  it('clips a 10 MB detail in the log line, noting its length, and keeps it whole in the record', async () => {
    const log = new MemoryEventLog();
    await log.createTopics([{ name: 'price.ticks.dlq', partitions: 1 }]);
    const lines: string[] = [];
    const publisher = new Publisher(log, new EventTypeRegistry(domainEventTypes), new RuntimeMetrics(), createLogger('warn', { write: (l: string) => void lines.push(l) }));
    const detail = `feed.jsonl:1: ${'y'.repeat(10 * 1024 * 1024)}`;
    await publisher.deadLetter({ topic: 'price.ticks', reason: 'bad-feed-line', detail, original: Buffer.from('z'.repeat(10 * 1024 * 1024)) });
    expect(lines).to.have.length(1);
    expect(lines[0]!.length).to.be.lessThan(1000);
    expect(JSON.parse(lines[0]!).detail).to.match(new RegExp(`^feed\\.jsonl:1: y+… \\(${detail.length} chars\\)$`));
    const record = JSON.parse(log.read({ topic: 'price.ticks.dlq', partition: 0 })[0]!.value.toString());
    expect(record.detail).to.equal(detail);
    expect(record.original).to.have.length(10 * 1024 * 1024);
    await log.close();
  });
});
