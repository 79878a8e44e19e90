// What every API handler gets: the broker's state and the request's context. Each apis/<api>.ts
// exports one ApiHandler that decodes its request body, acts, and encodes the response body.
import type { Reader } from '../codec/reader.js';
import type { Writer } from '../codec/writer.js';
import type { GroupCoordinator } from '../group-coordinator.js';
import type { Log } from '../log.js';
import type { SaslServer, SaslSession } from '../sasl/session.js';

export interface BrokerState {
  readonly log: Log;
  readonly groups: GroupCoordinator;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly clusterId: string;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  /** Set when clients must authenticate (SASL) before any API but ApiVersions and the SASL ones. */
  readonly sasl?: SaslServer;
  readonly faults: BrokerFaults;
  /** Hands out idempotent producer ids. */
  nextProducerId(): bigint;
}

/** Faults a spec injects into the broker's answers. */
export interface BrokerFaults {
  /** True (and counts down) while Produce responses are to be lost: the records are stored, the connection is cut before the answer. */
  loseProduceResponse(): boolean;
}

/** Thrown by a handler whose response is to be lost: the connection closes without an answer. */
export class LostResponse extends Error {
  override readonly name = 'LostResponse';
}

export interface RequestContext {
  readonly broker: BrokerState;
  readonly apiVersion: number;
  readonly clientId: string;
  readonly clientHost: string;
  /** Aborts when the connection closes (ends long polls and pending group joins). */
  readonly signal: AbortSignal;
  /** The connection's SASL state (the handshake's mechanism, the authenticated user). */
  readonly session: SaslSession;
}

export interface ApiHandler {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** The response body, or null for no response (Produce with acks=0). */
  handle(request: Reader, context: RequestContext): Writer | null | Promise<Writer | null>;
  /** A reply to a version outside min..max; without it the connection is closed. */
  unsupportedVersion?(context: RequestContext): Writer;
}
