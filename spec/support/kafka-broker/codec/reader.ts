// Reads Kafka's non-flexible wire types (big-endian ints, I16-length strings, I32-length bytes and
// arrays) from one request body. Reading past the end throws MalformedFrameError.

/** A frame or request body that does not parse; the connection that sent it is closed. */
export class MalformedFrameError extends Error {
  override readonly name = 'MalformedFrameError';
}

export class Reader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  private take(n: number, what: string): number {
    if (n < 0 || this.offset + n > this.buffer.length) {
      throw new MalformedFrameError(`${what}: needs ${n} bytes at ${this.offset}, have ${this.remaining}`);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  int8(): number {
    return this.buffer.readInt8(this.take(1, 'int8'));
  }

  boolean(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    return this.buffer.readInt16BE(this.take(2, 'int16'));
  }

  int32(): number {
    return this.buffer.readInt32BE(this.take(4, 'int32'));
  }

  /** Int64 as a number; offsets and timestamps stay well inside 2^53 here. */
  int64(): number {
    return Number(this.buffer.readBigInt64BE(this.take(8, 'int64')));
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length === -1) return null;
    if (length < -1) throw new MalformedFrameError(`string length ${length}`);
    const at = this.take(length, 'string');
    return this.buffer.toString('utf8', at, at + length);
  }

  string(): string {
    return this.nullableString() ?? '';
  }

  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length === -1) return null;
    if (length < -1) throw new MalformedFrameError(`bytes length ${length}`);
    const at = this.take(length, 'bytes');
    return this.buffer.subarray(at, at + length);
  }

  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }

  /** An array; null (-1) reads as null. */
  nullableArray<T>(item: (reader: Reader) => T): T[] | null {
    const length = this.int32();
    if (length === -1) return null;
    if (length < -1 || length > this.remaining) throw new MalformedFrameError(`array length ${length}`);
    const items: T[] = [];
    for (let i = 0; i < length; i++) items.push(item(this));
    return items;
  }

  array<T>(item: (reader: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }
}
