// What an idempotent producer wrote to one partition, as Kafka keeps it: per producer id, its epoch and
// its last five batches' sequence ranges. A batch resent after a lost response is recognised and
// answered with the offset it got the first time instead of being appended again; a gap in the
// sequence is refused (OUT_OF_ORDER_SEQUENCE_NUMBER), as is an older epoch.
import type { RecordBatch } from './record-batch.js';

const KEPT_BATCHES = 5;

interface Written {
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly baseOffset: number;
}

interface ProducerState {
  epoch: number;
  readonly recent: Written[];
}

export type SequenceCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly baseOffset: number }
  | { readonly kind: 'out-of-order' }
  | { readonly kind: 'fenced' };

export class ProducerSequences {
  private readonly producers = new Map<bigint, ProducerState>();

  /** How a batch fits what its producer wrote before (batches of non-idempotent producers always append). */
  check(batch: RecordBatch): SequenceCheck {
    if (batch.producerId < 0n) return { kind: 'append' };
    const state = this.producers.get(batch.producerId);
    if (state === undefined || batch.producerEpoch > state.epoch) {
      return batch.baseSequence === 0 ? { kind: 'append' } : { kind: 'out-of-order' };
    }
    if (batch.producerEpoch < state.epoch) return { kind: 'fenced' };
    const seen = state.recent.find((w) => w.firstSequence === batch.baseSequence && w.lastSequence === lastSequenceOf(batch));
    if (seen) return { kind: 'duplicate', baseOffset: seen.baseOffset };
    const last = state.recent[state.recent.length - 1];
    return last && batch.baseSequence === last.lastSequence + 1 ? { kind: 'append' } : { kind: 'out-of-order' };
  }

  /** Records an appended batch of an idempotent producer. */
  wrote(batch: RecordBatch, baseOffset: number): void {
    if (batch.producerId < 0n) return;
    let state = this.producers.get(batch.producerId);
    if (state === undefined || batch.producerEpoch > state.epoch) {
      state = { epoch: batch.producerEpoch, recent: [] };
      this.producers.set(batch.producerId, state);
    }
    state.recent.push({ firstSequence: batch.baseSequence, lastSequence: lastSequenceOf(batch), baseOffset });
    if (state.recent.length > KEPT_BATCHES) state.recent.shift();
  }
}

function lastSequenceOf(batch: RecordBatch): number {
  return batch.baseSequence + batch.offsetCount - 1;
}
