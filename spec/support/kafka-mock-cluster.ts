// librdkafka's mock cluster for specs: a Kafka-protocol implementation no one here wrote, with
// several brokers in one process whose leaders can be moved and which can be taken down and
// brought back (spec/support/kafka-mock/mockkafka.py, driven over stdin; needs python3 and
// Debian's librdkafka1, which .ci/run installs). It cannot serve CreateTopics: topics are made here.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import kafkajs from 'kafkajs';
import type { TopicSpec } from '../../runtime/ports/event-log.js';

const SCRIPT = join(process.cwd(), 'spec/support/kafka-mock/mockkafka.py');

/** Why the mock cluster cannot run here (python3 or librdkafka missing), or undefined. */
export function kafkaMockUnavailable(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import ctypes; ctypes.CDLL("librdkafka.so.1")'], { encoding: 'utf8' });
  if (probe.error) return `python3 is not installed (${probe.error.message})`;
  if (probe.status !== 0) return `librdkafka.so.1 cannot be loaded (apt-get install -y librdkafka1): ${probe.stderr.trim().split('\n').pop()}`;
  return undefined;
}

export class KafkaMockCluster {
  private readonly answers: string[] = [];
  private wake: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly brokers: readonly string[],
  ) {}

  static async start(brokers = 3): Promise<KafkaMockCluster> {
    const child = spawn('python3', [SCRIPT, String(brokers)], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr!.resume(); // librdkafka's own warnings
    const lines = createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the mock cluster exited before it started (${code})`)));
    });
    const cluster = new KafkaMockCluster(child, first.split(','));
    lines.on('line', (line) => {
      cluster.answers.push(line);
      cluster.wake?.();
    });
    child.once('exit', () => {
      cluster.exited = true;
      cluster.wake?.();
    });
    return cluster;
  }

  /** One command of the mock's stdin protocol; rejects unless it answers `ok`. */
  command(line: string): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.exited) throw new Error(`mock cluster: "${line}" sent after it exited`);
      this.child.stdin!.write(`${line}\n`);
      while (this.answers.length === 0) {
        if (this.exited) throw new Error(`mock cluster: exited while running "${line}"`);
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
      const answer = this.answers.shift()!;
      if (answer !== 'ok') throw new Error(`mock cluster: "${line}" answered ${answer}`);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async createTopics(topics: readonly TopicSpec[], replicationFactor: number): Promise<void> {
    for (const t of topics) await this.command(`topic ${t.name} ${t.partitions} ${replicationFactor}`);
  }

  /** Makes `broker` the coordinator of each group. */
  async coordinators(groups: readonly string[], broker: number): Promise<void> {
    for (const g of groups) await this.command(`coord ${g} ${broker}`);
  }

  /** Current leader of every partition of these topics, keyed `topic/partition`. */
  async leaders(topics: readonly string[]): Promise<Map<string, number>> {
    const admin = new kafkajs.Kafka({ brokers: [...this.brokers], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const leaders = new Map<string, number>();
      for (const t of metadata) for (const p of t.partitions) leaders.set(`${t.name}/${p.partitionId}`, p.leader);
      return leaders;
    } finally {
      await admin.disconnect();
    }
  }

  /** Gives the partitions `broker` leads to the other brokers in turn; returns how many moved. */
  async moveLeadersOff(broker: number, leaders: ReadonlyMap<string, number>): Promise<number> {
    const others = this.brokers.map((_, i) => i + 1).filter((id) => id !== broker);
    let moved = 0;
    for (const [tp, leader] of leaders) {
      if (leader !== broker) continue;
      const cut = tp.lastIndexOf('/');
      await this.command(`leader ${tp.slice(0, cut)} ${tp.slice(cut + 1)} ${others[moved++ % others.length]}`);
    }
    return moved;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end('quit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
