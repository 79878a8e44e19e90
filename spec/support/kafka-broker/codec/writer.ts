// Builds a response body from Kafka's non-flexible wire types; the mirror of reader.ts. Collects
// chunks and joins them once in toBuffer().

export class Writer {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  private push(chunk: Buffer): this {
    this.chunks.push(chunk);
    this.length += chunk.length;
    return this;
  }

  private fixed(size: number, write: (buffer: Buffer) => void): this {
    const buffer = Buffer.allocUnsafe(size);
    write(buffer);
    return this.push(buffer);
  }

  int8(value: number): this {
    return this.fixed(1, (b) => b.writeInt8(value));
  }

  boolean(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  int16(value: number): this {
    return this.fixed(2, (b) => b.writeInt16BE(value));
  }

  int32(value: number): this {
    return this.fixed(4, (b) => b.writeInt32BE(value));
  }

  int64(value: number | bigint): this {
    return this.fixed(8, (b) => b.writeBigInt64BE(BigInt(value)));
  }

  string(value: string | null): this {
    if (value === null) return this.int16(-1);
    const encoded = Buffer.from(value, 'utf8');
    return this.int16(encoded.length).push(encoded);
  }

  bytes(value: Buffer | null): this {
    if (value === null) return this.int32(-1);
    return this.int32(value.length).push(value);
  }

  /** Raw bytes with no length prefix. */
  raw(value: Buffer): this {
    return this.push(value);
  }

  array<T>(items: readonly T[] | null, item: (writer: this, value: T, index: number) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    items.forEach((value, index) => item(this, value, index));
    return this;
  }

  get size(): number {
    return this.length;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}
