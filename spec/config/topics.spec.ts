// The topic catalog: partition counts from DESIGN.md, a DLQ twin per topic, per-topic overrides.
import { expect } from 'chai';
import { dlqTopic, topicCatalog, topicSpecs } from '../../config/topics.js';

describe('config/topics', () => {
  it('names the dead-letter topic of a topic by appending .dlq', () => {
    expect(dlqTopic('price.ticks')).to.equal('price.ticks.dlq');
  });

  it('lists every catalog topic and its DLQ with the same partition count', () => {
    const specs = topicSpecs();
    expect(specs).to.have.length(20);
    expect(specs).to.deep.include({ name: 'order.updates', partitions: 5 });
    expect(specs).to.deep.include({ name: 'llm.decisions.dlq', partitions: 5 });
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
    expect(specs.find((s) => s.name === 'trade.executed')?.partitions).to.equal(5);
  });
});
