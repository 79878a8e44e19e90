// The events table's row format, both ways: the column arrays an append binds, and the select list
// and decoder a replay reads rows with.
import type { StoredEvent } from '../../../runtime/ports/event-store.js';

export const EVENT_COLUMNS = ['id', 'type', 'ts', 'token', 'data', 'source', 'correlation_id', 'causation_id', 'topic', 'partition', '"offset"'];
/** The PostgreSQL type of each of EVENT_COLUMNS, for the insert's array parameters. */
export const EVENT_ARRAY_TYPES = ['uuid', 'text', 'timestamptz', 'text', 'jsonb', 'text', 'text', 'text', 'text', 'int', 'bigint'];

/** Events [from, to) as one array per column, in EVENT_COLUMNS order (pg writes each as an array literal). */
export function eventColumns(events: readonly StoredEvent[], from: number, to: number): unknown[][] {
  const columns: unknown[][] = EVENT_COLUMNS.map(() => new Array<unknown>(to - from));
  for (let i = from, r = 0; i < to; i++, r++) {
    const e = events[i]!;
    columns[0]![r] = e.id;
    columns[1]![r] = e.type;
    columns[2]![r] = new Date(e.ts).toISOString();
    columns[3]![r] = e.token ?? null;
    columns[4]![r] = JSON.stringify(e.data ?? null);
    columns[5]![r] = e.source;
    columns[6]![r] = e.correlationId;
    columns[7]![r] = e.causationId ?? null;
    columns[8]![r] = e.topic;
    columns[9]![r] = e.partition;
    columns[10]![r] = e.offset;
  }
  return columns;
}

/**
 * What a replay selects, in the order toStoredEvent reads. ts arrives as whole epoch ms: floor of
 * the microseconds, which is what pg's timestamptz parser (a Date) kept, without parsing a date
 * string per row on the client.
 */
export const REPLAY_SELECT = [
  'id', 'type', 'floor(extract(epoch FROM ts) * 1000)::int8', 'token', 'data', 'source', 'correlation_id', 'causation_id', 'topic', 'partition', '"offset"',
].join(', ');

/** A replay row as rowMode 'array' with every value left as the server's text (see rawText). */
export type RawEventRow = (string | null)[];

const identity = (text: string): string => text;
/** Type parsers for replay queries: none; toStoredEvent converts the few columns that need it. */
export const rawText = { getTypeParser: () => identity };

export function toStoredEvent(row: RawEventRow): StoredEvent {
  const token = row[3] ?? null;
  const causationId = row[7] ?? null;
  const id = row[0]!;
  const type = row[1]!;
  const ts = Number(row[2]);
  const source = row[5]!;
  const correlationId = row[6]!;
  const data: unknown = JSON.parse(row[4]!);
  const topic = row[8]!;
  const partition = Number(row[9]);
  const offset = Number(row[10]);
  // One literal per combination keeps the key order (and an absent field absent) as before.
  if (token !== null) {
    return causationId !== null
      ? { id, type, ts, token, source, correlationId, causationId, data, topic, partition, offset }
      : { id, type, ts, token, source, correlationId, data, topic, partition, offset };
  }
  return causationId !== null
    ? { id, type, ts, source, correlationId, causationId, data, topic, partition, offset }
    : { id, type, ts, source, correlationId, data, topic, partition, offset };
}
