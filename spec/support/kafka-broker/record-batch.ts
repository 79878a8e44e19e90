// RecordBatch v2 as the broker sees it: opaque bytes with a header it reads (lengths, offset delta,
// record count) and one field it writes (baseOffset). The CRC covers byte 21 onward, so patching
// baseOffset keeps it valid and the batch (compressed or not) is stored exactly as received.
import { MalformedFrameError } from './codec/reader.js';

const HEADER_BYTES = 61;
const LENGTH_OFFSET = 8;
const MAGIC_OFFSET = 16;
const LAST_OFFSET_DELTA_OFFSET = 23;
const MAX_TIMESTAMP_OFFSET = 35;
const PRODUCER_ID_OFFSET = 43;
const PRODUCER_EPOCH_OFFSET = 51;
const BASE_SEQUENCE_OFFSET = 53;
const RECORD_COUNT_OFFSET = 57;

export interface RecordBatch {
  /** The batch's bytes, baseOffset included (a private copy, safe to patch). */
  readonly bytes: Buffer;
  /** Offsets this batch takes: lastOffsetDelta + 1. */
  readonly offsetCount: number;
  readonly recordCount: number;
  readonly maxTimestamp: number;
  /** -1 unless an idempotent producer wrote it. */
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
}

/** Splits a Produce partition's `records` into its batches (a request may carry several). */
export function splitBatches(records: Buffer): RecordBatch[] {
  const batches: RecordBatch[] = [];
  let at = 0;
  while (at < records.length) {
    if (records.length - at < HEADER_BYTES) throw new MalformedFrameError(`record batch header truncated at ${at}`);
    const total = 12 + records.readInt32BE(at + LENGTH_OFFSET);
    if (total < HEADER_BYTES || at + total > records.length) {
      throw new MalformedFrameError(`record batch of ${total} bytes at ${at} overruns ${records.length}`);
    }
    const magic = records.readInt8(at + MAGIC_OFFSET);
    if (magic !== 2) throw new MalformedFrameError(`record batch magic ${magic}, only v2 is supported`);
    const bytes = Buffer.from(records.subarray(at, at + total));
    batches.push({
      bytes,
      offsetCount: bytes.readInt32BE(LAST_OFFSET_DELTA_OFFSET) + 1,
      recordCount: bytes.readInt32BE(RECORD_COUNT_OFFSET),
      maxTimestamp: Number(bytes.readBigInt64BE(MAX_TIMESTAMP_OFFSET)),
      producerId: bytes.readBigInt64BE(PRODUCER_ID_OFFSET),
      producerEpoch: bytes.readInt16BE(PRODUCER_EPOCH_OFFSET),
      baseSequence: bytes.readInt32BE(BASE_SEQUENCE_OFFSET),
    });
    at += total;
  }
  return batches;
}

/** Writes the batch's first offset in place. */
export function setBaseOffset(batch: RecordBatch, baseOffset: number): void {
  batch.bytes.writeBigInt64BE(BigInt(baseOffset), 0);
}
