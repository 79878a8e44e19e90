// Watches the brokers of the cluster: every interval it opens (and closes) a TCP connection to each
// broker, and while one does not answer it asks the cluster which partitions that broker still
// leads. It says when this picture changes (the runtime degrades and recovers on it), and exports
// regent_kafka_broker_up{broker,address} and regent_kafka_leaderless_partitions.
import { connect } from 'node:net';
import { Gauge, type Registry } from 'prom-client';

export interface BrokerAddress {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

export interface KafkaClusterHealth {
  /** Brokers that refuse connections or do not answer in time ("broker 3 (host:port)"). */
  readonly down: readonly string[];
  /** Partitions led by one of them (`topic/partition`): nothing is read from or written to them. */
  readonly leaderless: readonly string[];
}

export interface BrokerWatchOptions {
  readonly intervalMs: number;
  readonly brokers: () => Promise<readonly BrokerAddress[]>;
  /** Leader node id of every partition of the watched topics, keyed `topic/partition`. */
  readonly leaders: () => Promise<ReadonlyMap<string, number>>;
  readonly onChange: (health: KafkaClusterHealth) => void;
  readonly metrics?: Registry;
}

const SHOWN = 12;

/** One line naming the unreachable brokers and the partitions left without a leader. */
export function describeHealth(health: KafkaClusterHealth): string {
  const brokers = `${health.down.join(', ')} unreachable`;
  if (health.leaderless.length === 0) return `${brokers}; every partition has a reachable leader`;
  const shown = health.leaderless.slice(0, SHOWN).join(', ');
  const more = health.leaderless.length > SHOWN ? ` and ${health.leaderless.length - SHOWN} more` : '';
  return `${brokers}; ${health.leaderless.length} partition(s) without a reachable leader: ${shown}${more}`;
}

export class BrokerWatch {
  private timer: NodeJS.Timeout | undefined;
  private brokers: readonly BrokerAddress[] = [];
  /** The last leaders the cluster told (kept while no broker answers). */
  private leaders: ReadonlyMap<string, number> = new Map();
  private last = '';
  private round: Promise<void> = Promise.resolve();
  private readonly up: Gauge<'broker' | 'address'> | undefined;
  private readonly leaderless: Gauge | undefined;

  constructor(private readonly options: BrokerWatchOptions) {
    if (options.metrics) {
      this.up = new Gauge({
        name: 'regent_kafka_broker_up',
        help: '1 while the broker accepts connections, 0 while it does not',
        labelNames: ['broker', 'address'] as const,
        registers: [options.metrics],
      });
      this.leaderless = new Gauge({
        name: 'regent_kafka_leaderless_partitions',
        help: 'Partitions whose leader is an unreachable broker',
        registers: [options.metrics],
      });
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.round = this.round.then(() => this.check()).catch(() => undefined);
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops probing; resolves once a round still in flight is over. */
  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.round;
  }

  private async check(): Promise<void> {
    if (this.brokers.length === 0) this.brokers = await this.options.brokers();
    const answers = await Promise.all(this.brokers.map((b) => reachable(b.host, b.port, this.options.intervalMs)));
    const down: BrokerAddress[] = [];
    this.brokers.forEach((b, i) => {
      this.up?.set({ broker: String(b.nodeId), address: `${b.host}:${b.port}` }, answers[i] ? 1 : 0);
      if (!answers[i]) down.push(b);
    });
    let leaderless: string[] = [];
    if (down.length || this.leaders.size === 0) {
      this.leaders = await this.options.leaders().catch(() => this.leaders);
      const downIds = new Set(down.map((b) => b.nodeId));
      leaderless = [...this.leaders].filter(([, leader]) => downIds.has(leader)).map(([tp]) => tp);
    }
    this.leaderless?.set(leaderless.length);
    const health: KafkaClusterHealth = { down: down.map((b) => `broker ${b.nodeId} (${b.host}:${b.port})`), leaderless };
    const key = JSON.stringify(health);
    if (key === this.last) return;
    this.last = key;
    this.options.onChange(health);
  }
}

function reachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
