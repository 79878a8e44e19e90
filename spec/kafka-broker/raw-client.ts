// A bare Kafka-protocol client for the broker's wire-level specs: sends one framed request and reads
// framed responses back in order, with the broker's own Reader and Writer.
import { connect, type Socket } from 'node:net';
import { Reader } from '../support/kafka-broker/codec/reader.js';
import { Writer } from '../support/kafka-broker/codec/writer.js';

export class RawClient {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly waiting: ((frame: Buffer) => void)[] = [];
  private readonly frames: Buffer[] = [];
  private correlation = 0;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        const next = this.waiting.shift();
        if (next) next(frame);
        else this.frames.push(frame);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request; returns its correlation id. */
  send(apiKey: number, apiVersion: number, body: Writer): number {
    const correlationId = ++this.correlation;
    const payload = new Writer().int16(apiKey).int16(apiVersion).int32(correlationId).string('raw-client').raw(body.toBuffer()).toBuffer();
    this.socket.write(new Writer().int32(payload.length).raw(payload).toBuffer());
    return correlationId;
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next response: its correlation id and a reader over its body. */
  async response(): Promise<{ correlationId: number; body: Reader }> {
    const frame = this.frames.shift() ?? (await new Promise<Buffer>((resolve) => this.waiting.push(resolve)));
    const reader = new Reader(frame);
    return { correlationId: reader.int32(), body: reader };
  }

  close(): void {
    this.socket.destroy();
  }
}
