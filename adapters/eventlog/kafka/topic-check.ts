// What the cluster lacks of the catalog: topics that do not exist, and topics whose partition count
// differs from the catalog's (a key's partition would differ from what the pods' ranges assume).
import type { TopicProblem, TopicSpec } from '../../../runtime/ports/event-log.js';

export function topicProblems(wanted: readonly TopicSpec[], existing: ReadonlyMap<string, number>): TopicProblem[] {
  const problems: TopicProblem[] = [];
  for (const t of wanted) {
    const actual = existing.get(t.name);
    if (actual === t.partitions) continue;
    problems.push({ topic: t.name, expectedPartitions: t.partitions, ...(actual !== undefined ? { actualPartitions: actual } : {}) });
  }
  return problems;
}

/** What a user can do about the problems found. */
export function topicProblemsHint(problems: readonly TopicProblem[], mayCreate: boolean): string {
  const missing = problems.some((p) => p.actualPartitions === undefined);
  const miscounted = problems.some((p) => p.actualPartitions !== undefined);
  return [
    missing && !mayCreate ? 'Create the missing topics (or let Regent create them: eventLog.createTopics true, without --no-create-topics).' : '',
    miscounted ? 'Set topicPartitions to the counts the cluster has (e.g. topicPartitions: { "price.ticks": 12 }; a topic\'s .dlq follows it), or recreate the topics.' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** Creating topics failed; says which and why (kafkajs wraps the per-topic errors in an aggregate). */
export class TopicCreationError extends Error {
  override readonly name = 'TopicCreationError';
  constructor(err: unknown, settings: string) {
    super(`cannot create topics on Kafka${settings ? ` (${settings})` : ''}: ${perTopic(err)}`, { cause: err });
  }
}

function perTopic(err: unknown): string {
  for (let e = err as { errors?: unknown[]; cause?: unknown; message?: string } | undefined; e; e = e.cause as typeof e) {
    if (Array.isArray(e.errors) && e.errors.length) {
      return e.errors
        .map((x) => {
          const t = x as { topic?: string; message?: string };
          return `${t.topic ?? '?'}: ${t.message ?? String(x)}`;
        })
        .join('; ');
    }
    if (!e.cause) return e.message ?? String(err);
  }
  return String(err);
}
