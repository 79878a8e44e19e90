// Many small calls, few requests: items pushed while a request is in flight wait and go out
// together in the next one, so there is one request at a time and nothing waits for a timer. Each
// push resolves once the request that carried its item succeeded, or rejects with that request's
// error; items of other requests are not affected. Items leave in the order they were pushed.

export interface CoalescerOptions<T> {
  /** Sends one request carrying these items (at least one). */
  readonly send: (items: readonly T[]) => Promise<void>;
  /** Most items per request (default unbounded). */
  readonly maxItems?: number;
  /** Size of an item, for maxSize (default 1). */
  readonly sizeOf?: (item: T) => number;
  /** Most total size per request (one item larger than this still goes, alone). */
  readonly maxSize?: number;
}

interface Waiting<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class RequestCoalescer<T> {
  private queue: Waiting<T>[] = [];
  private sending = false;

  constructor(private readonly options: CoalescerOptions<T>) {}

  /** Items waiting for a request, not counting those in flight. */
  get waiting(): number {
    return this.queue.length;
  }

  push(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.sending) {
        this.sending = true;
        // The rest of this turn of the event loop joins the first request too.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const request = this.take();
      try {
        await this.options.send(request.map((w) => w.item));
        for (const w of request) w.resolve();
      } catch (error) {
        for (const w of request) w.reject(error);
      }
    }
    this.sending = false;
  }

  private take(): Waiting<T>[] {
    const { maxItems = Number.POSITIVE_INFINITY, maxSize = Number.POSITIVE_INFINITY, sizeOf = () => 1 } = this.options;
    let count = 0;
    let size = 0;
    while (count < this.queue.length && count < maxItems) {
      const next = sizeOf(this.queue[count]!.item);
      if (count > 0 && size + next > maxSize) break;
      size += next;
      count++;
    }
    return this.queue.splice(0, count);
  }
}
