// The topic catalog (DESIGN.md, Events): every topic with its partition count, and its dead-letter
// twin `<topic>.dlq` with the same count, as the TopicSpec list the event log creates at start.
// The topics a per-token actor reads together (position: ticks + fills; trading: ticks + gates in
// state.changes + LLM decisions) have one partition count, so a token's events share a partition
// index everywhere and a pod that owns a range owns all of a token's inputs.
import type { TopicSpec } from '../runtime/ports/event-log.js';

export const topicCatalog = {
  'price.ticks': 10,
  'signal.generated': 5,
  'trade.executed': 10,
  'liquidation.events': 3,
  'sentiment.updates': 3,
  'risk.alerts': 3,
  'state.changes': 10,
  'order.commands': 5,
  'order.updates': 5,
  'llm.decisions': 10,
} as const satisfies Record<string, number>;

export type TopicName = keyof typeof topicCatalog;

export const topicNames = Object.keys(topicCatalog) as [TopicName, ...TopicName[]];

/** The dead-letter topic of a topic. */
export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Every catalog topic and its DLQ (same partition count), with per-topic partition overrides. */
export function topicSpecs(overrides: Partial<Record<TopicName, number>> = {}): TopicSpec[] {
  const specs: TopicSpec[] = [];
  for (const name of topicNames) {
    const partitions = overrides[name] ?? topicCatalog[name];
    specs.push({ name, partitions }, { name: dlqTopic(name), partitions });
  }
  return specs;
}
