// KafkaTestBroker: a single-node, in-memory Kafka-protocol broker on 127.0.0.1 for specs that drive
// the real kafkajs client. Data (topics, records, groups, offsets) lives in memory across
// stop()/restart(); close() ends it for good. It can listen with TLS (a client certificate may be
// required) and require SASL authentication (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { apis } from './apis/index.js';
import type { BrokerState } from './apis/types.js';
import { Connection } from './connection.js';
import { GroupCoordinator, type GroupSnapshot } from './group-coordinator.js';
import { Log } from './log.js';
import { SaslServer, type SaslSettings } from './sasl/session.js';

export interface BrokerTlsOptions {
  /** The broker's private key and certificate chain (PEM). */
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** With requestCert: the CA client certificates must be signed by; a client without one is refused. */
  readonly ca?: string | Buffer;
  readonly requestCert?: boolean;
}

export interface KafkaTestBrokerOptions {
  /** Port to listen on; 0 (default) picks a free one, kept across restart(). */
  readonly port?: number;
  /** Metadata creates unknown topics (when the client allows it too); default true. */
  readonly autoCreateTopics?: boolean;
  /** Partitions of auto-created topics and of CreateTopics with -1; default 1. */
  readonly defaultPartitions?: number;
  /** Caps every group member's session timeout, in ms. */
  readonly sessionTimeoutCap?: number;
  /** How long the first join into an empty group waits for others; default 200 ms. */
  readonly initialRebalanceDelayMs?: number;
  /** Listen with TLS instead of plaintext. */
  readonly tls?: BrokerTlsOptions;
  /** Require SASL authentication before any API but ApiVersions and the SASL ones. */
  readonly sasl?: SaslSettings;
}

export class KafkaTestBroker {
  readonly host = '127.0.0.1';
  private readonly log = new Log();
  private readonly groups: GroupCoordinator;
  private readonly connections = new Set<Connection>();
  /** Every accepted TCP socket, TLS handshakes under way included (stop() ends them all). */
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private boundPort: number;
  private producerIds = 1000n;
  private lostProduceResponses = 0;
  private readonly faults = {
    loseProduceResponse: (): boolean => {
      if (this.lostProduceResponses === 0) return false;
      this.lostProduceResponses -= 1;
      return true;
    },
  };
  private closed = false;
  private readonly sasl: SaslServer | undefined;
  /** Connections whose TLS handshake failed (e.g. a client certificate missing or not trusted). */
  tlsHandshakeFailures = 0;

  private constructor(private readonly options: KafkaTestBrokerOptions) {
    this.boundPort = options.port ?? 0;
    this.sasl = options.sasl ? new SaslServer(options.sasl) : undefined;
    this.groups = new GroupCoordinator({
      initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? 200,
      ...(options.sessionTimeoutCap === undefined ? {} : { sessionTimeoutCap: options.sessionTimeoutCap }),
    });
  }

  static async start(options: KafkaTestBrokerOptions = {}): Promise<KafkaTestBroker> {
    const broker = new KafkaTestBroker(options);
    await broker.listen();
    return broker;
  }

  get port(): number {
    return this.boundPort;
  }

  /** The seed list for kafkajs; equals the advertised host:port. */
  get brokers(): string[] {
    return [`${this.host}:${this.boundPort}`];
  }

  get isRunning(): boolean {
    return this.server !== undefined;
  }

  /** Closes the listener and every client socket; the data stays for restart(). */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    this.groups.stop();
    const closing = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of this.connections) connection.destroy();
    for (const socket of this.sockets) socket.destroy();
    await closing;
  }

  /** Listens again on the same port with the same data. */
  async restart(): Promise<void> {
    if (this.closed) throw new Error('the broker is closed');
    await this.stop();
    await this.listen();
  }

  /** Stops for good. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
    this.groups.close();
  }

  /** Cuts the sockets of clients whose id matches (all when no filter); returns how many. */
  dropConnections(filter: (clientId: string) => boolean = () => true): number {
    let dropped = 0;
    for (const connection of this.connections) {
      if (filter(connection.clientId)) {
        connection.destroy();
        dropped += 1;
      }
    }
    return dropped;
  }

  /**
   * The next `count` Produce requests are stored but not answered: the broker cuts the connection
   * instead, as when a response is lost on the way, and the client sends the records again.
   */
  loseProduceResponses(count = 1): void {
    this.lostProduceResponses += count;
  }

  /** Creates a topic directly (false when it exists). */
  createTopic(topic: string, partitions = this.options.defaultPartitions ?? 1): boolean {
    return this.log.create(topic, partitions);
  }

  topics(): string[] {
    return this.log.topics();
  }

  /** The configs a topic was created with, e.g. min.insync.replicas. */
  topicConfigs(topic: string): Record<string, string | null> {
    return Object.fromEntries(this.log.configsOf(topic) ?? []);
  }

  /** High watermark of a partition (undefined when it does not exist). */
  endOffset(topic: string, partition: number): number | undefined {
    return this.log.partition(topic, partition)?.endOffset;
  }

  /** The stored RecordBatch bytes of a partition from the batch holding `fromOffset`, as a fetch returns them. */
  storedBatches(topic: string, partition: number, fromOffset = 0): Buffer {
    return this.log.partition(topic, partition)?.read(fromOffset, Number.MAX_SAFE_INTEGER) ?? Buffer.alloc(0);
  }

  /** The group's committed offset for a partition, -1 when none. */
  committedOffset(group: string, topic: string, partition: number): number {
    return this.groups.committed(group, topic, partition)?.offset ?? -1;
  }

  /** The group's state, generation and members with their assignments (undefined if never seen). */
  groupState(group: string): GroupSnapshot | undefined {
    return this.groups.describe(group);
  }

  private state(): BrokerState {
    return {
      log: this.log,
      groups: this.groups,
      nodeId: 0,
      host: this.host,
      port: this.boundPort,
      clusterId: 'regent-test-cluster',
      autoCreateTopics: this.options.autoCreateTopics ?? true,
      defaultPartitions: this.options.defaultPartitions ?? 1,
      faults: this.faults,
      nextProducerId: () => this.producerIds++,
      ...(this.sasl ? { sasl: this.sasl } : {}),
    };
  }

  private async listen(): Promise<void> {
    const accept = (socket: Socket): void => {
      const connection = new Connection(socket, () => this.state(), apis, (c) => this.connections.delete(c));
      this.connections.add(connection);
    };
    const tls = this.options.tls;
    const server = tls
      ? createTlsServer({ key: tls.key, cert: tls.cert, ...(tls.ca ? { ca: tls.ca } : {}), requestCert: tls.requestCert ?? false, rejectUnauthorized: tls.requestCert ?? false }, accept)
      : createServer(accept);
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('tlsClientError', (_error: Error, socket: Socket) => {
      this.tlsHandshakeFailures += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    this.boundPort = address.port;
    this.server = server;
    this.groups.start();
  }
}
