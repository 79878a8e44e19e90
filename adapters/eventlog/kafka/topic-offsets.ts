// End offsets of a topic's partitions through a kafkajs admin client, safe to ask for many topics at
// once. kafkajs 2.2.4 refreshes an admin's metadata whenever a lookup names a topic the client has
// not seen; several such refreshes in flight can land out of order, and the one that lands last
// may not list the topic another lookup is waiting for (fetchTopicOffsets then fails with "Cannot
// destructure property 'partitions' of 'high.pop(...)'"). So the first lookup of each topic on a
// client goes one at a time; once a client knows a topic, its lookups run concurrently.
import type { Admin } from 'kafkajs';

interface ClientTopics {
  readonly known: Set<string>;
  first: Promise<unknown>;
}

export class TopicOffsets {
  private readonly clients = new WeakMap<Admin, ClientTopics>();

  /** The next offset to be written, per partition of these topics (keyed `topic/partition`). */
  async endOffsets(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
    const ends = new Map<string, number>();
    await Promise.all(
      topics.map(async (topic) => {
        for (const o of await this.ofTopic(admin, topic)) ends.set(`${topic}/${o.partition}`, Number(o.high));
      }),
    );
    return ends;
  }

  private async ofTopic(admin: Admin, topic: string): Promise<Array<{ partition: number; high: string }>> {
    let client = this.clients.get(admin);
    if (!client) {
      client = { known: new Set(), first: Promise.resolve() };
      this.clients.set(admin, client);
    }
    if (client.known.has(topic)) return admin.fetchTopicOffsets(topic);
    const lookup = client.first.then(() => admin.fetchTopicOffsets(topic));
    client.first = lookup.catch(() => undefined);
    const offsets = await lookup;
    client.known.add(topic);
    return offsets;
  }
}
