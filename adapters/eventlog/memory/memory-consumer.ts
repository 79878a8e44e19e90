// A consumer of the in-process log: one fetch loop per owned partition, so partitions run
// concurrently while each keeps its order; a batch is handed over only after the previous batch of
// the same partition resolved. Scheduling uses promises only (no timers), so a run is repeatable.
import {
  tpKey,
  type Consumer,
  type ConsumerHandlers,
  type ConsumerOptions,
  type TopicPartition,
} from '../../../runtime/ports/event-log.js';
import type { MemoryGroup, GroupMemberHandle } from './memory-group.js';
import type { PartitionLog } from './partition-log.js';

interface PartitionLoop {
  readonly tp: TopicPartition;
  position: number;
  active: boolean;
  paused: boolean;
  wake: () => void;
  done: Promise<void>;
}

export class MemoryConsumer implements Consumer, GroupMemberHandle {
  readonly topics: readonly string[];
  readonly ordinal?: number;
  readonly strategy: 'ranges' | 'single-owner';
  private handlers?: ConsumerHandlers;
  private readonly loops = new Map<string, PartitionLoop>();
  private readonly paused = new Set<string>();
  private joined = false;

  constructor(
    readonly memberId: string,
    private readonly options: ConsumerOptions,
    private readonly group: MemoryGroup,
    private readonly partitionLog: (tp: TopicPartition) => PartitionLog,
  ) {
    this.topics = [...options.topics];
    this.strategy = options.assignment ?? 'ranges';
    const ordinal = options.memberMetadata?.['ordinal'];
    if (typeof ordinal === 'number') this.ordinal = ordinal;
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    if (this.handlers) throw new Error(`consumer ${this.memberId} is already running`);
    this.handlers = handlers;
    this.joined = true;
    await this.group.join(this);
  }

  async commit(tp: TopicPartition, offset: number): Promise<void> {
    this.group.commit(tp, offset);
  }

  seek(tp: TopicPartition, offset: number): void {
    const loop = this.loops.get(tpKey(tp));
    if (!loop) throw new Error(`seek on unassigned partition ${tpKey(tp)}`);
    loop.position = offset;
    loop.wake();
  }

  pause(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      this.paused.add(tpKey(tp));
      const loop = this.loops.get(tpKey(tp));
      if (loop) loop.paused = true;
    }
  }

  resume(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      this.paused.delete(tpKey(tp));
      const loop = this.loops.get(tpKey(tp));
      if (loop) {
        loop.paused = false;
        loop.wake();
      }
    }
  }

  assignment(): TopicPartition[] {
    return [...this.loops.values()].map((l) => l.tp);
  }

  async disconnect(): Promise<void> {
    if (!this.joined) return;
    this.joined = false;
    await this.group.leave(this);
  }

  /** Called by the group during a rebalance. */
  async revokeAll(): Promise<void> {
    const loops = [...this.loops.values()];
    if (loops.length === 0) return;
    for (const loop of loops) {
      loop.active = false;
      loop.wake();
    }
    await Promise.all(loops.map((l) => l.done));
    this.loops.clear();
    await this.handlers?.onRevoke?.(loops.map((l) => l.tp));
  }

  /** Called by the group during a rebalance. onAssign may seek before the first fetch. */
  async assign(partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    const fresh: [PartitionLoop, PartitionLog][] = [];
    for (const tp of partitions) {
      const log = this.partitionLog(tp);
      const committed = this.group.committedOffset(tp);
      const position = committed ?? (this.options.fromBeginning === false ? log.endOffset : log.startOffset);
      const loop: PartitionLoop = {
        tp,
        position,
        active: true,
        paused: this.paused.has(tpKey(tp)),
        wake: () => {},
        done: Promise.resolve(),
      };
      this.loops.set(tpKey(tp), loop);
      fresh.push([loop, log]);
    }
    await this.handlers?.onAssign?.(partitions);
    for (const [loop, log] of fresh) loop.done = this.fetchLoop(loop, log);
  }

  private async fetchLoop(loop: PartitionLoop, log: PartitionLog): Promise<void> {
    const max = this.options.maxBatchSize ?? 256;
    while (loop.active) {
      if (loop.position < log.startOffset) {
        this.handlers!.onRetentionGap?.(loop.tp, loop.position, log.startOffset);
        loop.position = log.startOffset;
      }
      const records = loop.paused ? [] : log.read(loop.position, max);
      if (records.length === 0) {
        const wait = loop.paused ? untilWoken() : log.waitFor(loop.position);
        loop.wake = wait.cancel;
        await wait.ready;
        continue;
      }
      const before = loop.position;
      try {
        await this.handlers!.eachBatch({ topic: loop.tp.topic, partition: loop.tp.partition, records });
      } catch (error) {
        loop.active = false;
        this.handlers!.onCrash?.(error as Error, loop.tp);
        return;
      }
      // A seek during the batch wins over the natural advance.
      if (loop.position === before) loop.position = records[records.length - 1]!.offset + 1;
    }
  }
}

function untilWoken(): { ready: Promise<void>; cancel: () => void } {
  let cancel = () => {};
  const ready = new Promise<void>((resolve) => {
    cancel = resolve;
  });
  return { ready, cancel };
}
