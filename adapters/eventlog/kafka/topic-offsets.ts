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

  /** The next offset to be written, per partition of `topic`. */
  async endOffsets(admin: Admin, topic: string): Promise<Map<number, number>> {
    let client = this.clients.get(admin);
    if (!client) {
      client = { known: new Set(), first: Promise.resolve() };
      this.clients.set(admin, client);
    }
    if (client.known.has(topic)) return ends(admin, topic);
    const lookup = client.first.then(() => ends(admin, topic));
    client.first = lookup.catch(() => undefined);
    const offsets = await lookup;
    client.known.add(topic);
    return offsets;
  }
}

async function ends(admin: Admin, topic: string): Promise<Map<number, number>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
}
