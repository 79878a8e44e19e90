// One client socket: splits the byte stream into size-prefixed frames, parses request headers, and
// answers strictly in order. A malformed frame or an unknown API closes the connection, silently,
// as does a request other than ApiVersions or SASL before a broker requiring SASL authenticated it.
import type { Socket } from 'node:net';
import { MalformedFrameError, Reader } from './codec/reader.js';
import { Writer } from './codec/writer.js';
import { LostResponse, type ApiHandler, type BrokerState } from './apis/types.js';
import { SaslSession } from './sasl/session.js';

const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** ApiVersions, SaslHandshake, SaslAuthenticate: what a connection may ask before it authenticated. */
const BEFORE_AUTHENTICATION = new Set([18, 17, 36]);

/** A request for an API key or version this broker does not implement. */
export class UnsupportedRequestError extends Error {
  override readonly name = 'UnsupportedRequestError';
}

/** A request other than ApiVersions or SASL on a connection that has not authenticated (SASL required). */
export class UnauthenticatedRequestError extends Error {
  override readonly name = 'UnauthenticatedRequestError';
}

export class Connection {
  /** The client id of the latest request (kafkajs sends the same one on every request). */
  clientId = '';
  readonly clientHost: string;
  private pending: Buffer = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private pumping = false;
  private readonly closed = new AbortController();
  private readonly session = new SaslSession();
  /** The answer to a refused authentication is written: nothing more is read or answered. */
  private ending = false;

  constructor(
    private readonly socket: Socket,
    private readonly broker: () => BrokerState,
    private readonly apis: ReadonlyMap<number, ApiHandler>,
    onClose: (connection: Connection) => void,
  ) {
    this.clientHost = socket.remoteAddress ?? '';
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed.abort();
      onClose(this);
    });
  }

  get isClosed(): boolean {
    return this.closed.signal.aborted;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 8 || size > MAX_FRAME_BYTES) return this.fail(new MalformedFrameError(`frame size ${size}`));
      if (this.pending.length < 4 + size) break;
      this.frames.push(this.pending.subarray(4, 4 + size));
      this.pending = this.pending.subarray(4 + size);
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let frame = this.frames.shift(); frame !== undefined && !this.isClosed && !this.ending; frame = this.frames.shift()) {
        const response = await this.handle(frame);
        if (response !== null && !this.isClosed) this.socket.write(response);
        if (this.session.closeAfterReply) {
          this.ending = true;
          this.socket.end();
        }
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.pumping = false;
    }
  }

  /** Decodes one request, runs its API, and frames the response (null: none expected). */
  private async handle(frame: Buffer): Promise<Buffer | null> {
    const reader = new Reader(frame);
    const apiKey = reader.int16();
    const apiVersion = reader.int16();
    const correlationId = reader.int32();
    this.clientId = reader.nullableString() ?? '';
    const api = this.apis.get(apiKey);
    if (api === undefined) throw new UnsupportedRequestError(`API key ${apiKey}`);
    const broker = this.broker();
    if (broker.sasl && !this.session.authenticated && !BEFORE_AUTHENTICATION.has(apiKey)) {
      throw new UnauthenticatedRequestError(`${api.name} before SASL authentication`);
    }
    const context = { broker, apiVersion, clientId: this.clientId, clientHost: this.clientHost, signal: this.closed.signal, session: this.session };
    let body: Writer | null;
    if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
      if (api.unsupportedVersion === undefined) throw new UnsupportedRequestError(`${api.name} v${apiVersion}`);
      body = api.unsupportedVersion(context);
    } else {
      body = await api.handle(reader, context);
    }
    if (body === null) return null;
    const payload = body.toBuffer();
    return new Writer().int32(payload.length + 4).int32(correlationId).raw(payload).toBuffer();
  }

  private fail(error: unknown): void {
    if (!(error instanceof MalformedFrameError) && !(error instanceof UnsupportedRequestError) && !(error instanceof UnauthenticatedRequestError) && !(error instanceof LostResponse)) {
      // A bug in the broker: still close the connection, and leave a trace for the spec run.
      process.emitWarning(`kafka test broker: ${error instanceof Error ? error.stack : String(error)}`);
    }
    this.destroy();
  }
}
