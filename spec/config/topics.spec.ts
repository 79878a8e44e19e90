// The topic catalog: partition counts from DESIGN.md, a DLQ twin per topic, per-topic overrides.
import { expect } from 'chai';
import { dlqTopic, topicCatalog, topicSpecs } from '../../config/topics.js';
import { createAgents } from '../../actors/index.js';
import { defaultConfig } from '../../config/schema.js';
import { PaperExchange } from '../../adapters/exchange/paper.js';
import { MemoryAuditTrail } from '../../adapters/store/memory-audit-trail.js';
import { MemoryOrderJournal } from '../../adapters/store/memory-order-journal.js';
import { topicsOf } from '../../runtime/agent/agent.js';

describe('config/topics', () => {
  it('names the dead-letter topic of a topic by appending .dlq', () => {
    expect(dlqTopic('price.ticks')).to.equal('price.ticks.dlq');
  });

  it('lists every catalog topic and its DLQ with the same partition count', () => {
    const specs = topicSpecs();
    expect(specs).to.have.length(20);
    expect(specs).to.deep.include({ name: 'order.updates', partitions: 5 });
    expect(specs).to.deep.include({ name: 'llm.decisions.dlq', partitions: 10 });
    expect(specs).to.deep.include({ name: 'price.ticks', partitions: 10 });
    expect(specs).to.deep.include({ name: 'price.ticks.dlq', partitions: 10 });
    expect(specs).to.deep.include({ name: 'order.commands', partitions: 5 });
    expect(specs).to.deep.include({ name: 'risk.alerts.dlq', partitions: 3 });
    expect(topicCatalog['liquidation.events']).to.equal(3);
  });

  it('applies partition overrides to a topic and its DLQ only', () => {
    const specs = topicSpecs({ 'price.ticks': 20 });
    expect(specs.find((s) => s.name === 'price.ticks')?.partitions).to.equal(20);
    expect(specs.find((s) => s.name === 'price.ticks.dlq')?.partitions).to.equal(20);
    expect(specs.find((s) => s.name === 'trade.executed')?.partitions).to.equal(10);
  });

  it('gives the topics every per-token agent reads one partition count, so a token\'s inputs meet on one pod', () => {
    const counts = new Map(topicSpecs().map((t) => [t.name, t.partitions]));
    const llm = { decide: async () => ({ kind: 'unavailable' as const, reason: 'spec' }), close: async () => undefined };
    const agents = createAgents(defaultConfig(), { exchange: new PaperExchange(), journal: new MemoryOrderJournal(), audit: new MemoryAuditTrail(), llm: llm as never });
    const keyed = agents.filter((a) => a.key !== 'singleton');
    expect(keyed.map((a) => a.name).sort()).to.include.members(['position', 'trading']);
    for (const agent of keyed) {
      const byTopic = Object.fromEntries(topicsOf(agent).map((t) => [t, counts.get(t)]));
      expect(new Set(Object.values(byTopic)).size, `${agent.name} reads ${JSON.stringify(byTopic)}`).to.equal(1);
    }
  });
});
