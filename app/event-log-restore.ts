// Plans how the in-process log continues an earlier incarnation from the event store: per
// partition, the next offset to write is where the store writer stopped; the records from the
// oldest offset any group had not committed are read back, so they are delivered again (actors
// skip what their snapshots hold); commits beyond what the store kept are pulled back to it.
import { encodeEnvelope } from '../runtime/events/event-types.js';
import type { Envelope } from '../runtime/events/envelope.js';
import { tpKey, type LogRecord, type LogRestore, type RestoredPartition, type TopicSpec } from '../runtime/ports/event-log.js';
import type { EventStore } from '../runtime/ports/event-store.js';

export interface LogRestoreOptions {
  readonly store: EventStore;
  readonly lineageId: string;
  /** The topics the store writer persists. */
  readonly topics: readonly TopicSpec[];
  /** The store writer's group: its offsets say where the durable log ends. */
  readonly storeGroupId: string;
  /** Per partition, the lowest offset a snapshot claims: delivered again from the one after it. */
  readonly appliedFloor: ReadonlyMap<string, number>;
}

export async function planLogRestore(options: LogRestoreOptions): Promise<LogRestore & { readonly restoredRecords: number }> {
  const { store, storeGroupId } = options;
  const all = await store.allOffsets();
  const stored = all.get(storeGroupId) ?? new Map<string, number>();
  const partitions: RestoredPartition[] = [];
  const commits = new Map<string, Map<string, number>>([...all].map(([group]) => [group, new Map<string, number>()]));
  let restoredRecords = 0;
  for (const { name: topic, partitions: count } of options.topics) {
    for (let partition = 0; partition < count; partition++) {
      const tp = { topic, partition };
      const key = tpKey(tp);
      const end = stored.get(key);
      if (end === undefined || end === 0) continue;
      const pending = [...all].filter(([group]) => group !== storeGroupId).map(([, offsets]) => offsets.get(key)).filter((o): o is number => o !== undefined);
      // A group that never recorded a commit here gets everything again (its actors skip what they
      // hold); so does whatever the oldest snapshot has not applied, so no actor needs a replay.
      const floor = options.appliedFloor.get(key);
      const redeliverFrom = floor === undefined ? end : Math.min(end, floor + 1);
      const from = pending.length ? Math.min(end, redeliverFrom, ...pending) : 0;
      const records: LogRecord[] = [];
      for await (const event of store.replay({ ranges: [{ topic, partition, from, to: end }], order: 'offset' })) {
        const { topic: _t, partition: _p, offset, ...envelope } = event;
        records.push({ topic, partition, offset, key: envelope.token, value: encodeEnvelope(envelope as Envelope) });
      }
      restoredRecords += records.length;
      partitions.push({ tp, records, from, end });
      // Past the last record there is nothing to consume: a group caught up with it is at its end.
      const last = records.length ? records[records.length - 1]!.offset + 1 : from;
      for (const [group, offsets] of all) {
        const committed = offsets.get(key);
        if (committed === undefined) continue;
        commits.get(group)!.set(key, Math.min(committed, last, group === storeGroupId ? end : from));
      }
    }
  }
  return { lineageId: options.lineageId, partitions, commits, restoredRecords };
}
