// Produce (key 0) v3: each partition's RecordBatch v2 bytes are split into batches, given offsets by
// patching baseOffset, and stored as received; a batch an idempotent producer sent again is
// recognised by its sequence and not stored twice. acks=0 gets no response.
import { MalformedFrameError, type Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ErrorCode } from '../error-codes.js';
import { splitBatches, type RecordBatch } from '../record-batch.js';
import { LostResponse, type ApiHandler, type BrokerState, type RequestContext } from './types.js';

const CORRUPT_MESSAGE = 2;

interface PartitionResult {
  readonly partition: number;
  readonly errorCode: number;
  readonly baseOffset: number;
}

function appendPartition(broker: BrokerState, topic: string, partition: number, records: Buffer | null): PartitionResult {
  if (broker.log.partition(topic, partition) === undefined) {
    return { partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1 };
  }
  let batches: RecordBatch[];
  try {
    batches = splitBatches(records ?? Buffer.alloc(0));
  } catch (error) {
    if (error instanceof MalformedFrameError) return { partition, errorCode: CORRUPT_MESSAGE, baseOffset: -1 };
    throw error;
  }
  const sequences = broker.log.partition(topic, partition)!.sequences;
  let baseOffset = -1;
  for (const batch of batches) {
    const check = sequences.check(batch);
    if (check.kind === 'out-of-order') return { partition, errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1 };
    if (check.kind === 'fenced') return { partition, errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, baseOffset: -1 };
    const offset = check.kind === 'duplicate' ? check.baseOffset : broker.log.append(topic, partition, batch);
    if (baseOffset === -1) baseOffset = offset;
  }
  return { partition, errorCode: ErrorCode.NONE, baseOffset };
}

export const produce: ApiHandler = {
  apiKey: 0,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 3,
  handle(request: Reader, { broker }: RequestContext): Writer | null {
    request.nullableString();
    const acks = request.int16();
    request.int32();
    const topics = request.array((t) => ({
      name: t.string(),
      partitions: t.array((p) => ({ partition: p.int32(), records: p.nullableBytes() })),
    }));
    const results = topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) => appendPartition(broker, topic.name, p.partition, p.records)),
    }));
    if (broker.faults.loseProduceResponse()) throw new LostResponse();
    if (acks === 0) return null;
    return new Writer()
      .array(results, (w, topic) =>
        w.string(topic.name).array(topic.partitions, (pw, p) => pw.int32(p.partition).int16(p.errorCode).int64(p.baseOffset).int64(-1)),
      )
      .int32(0);
  },
};
