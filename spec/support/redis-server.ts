// Redis for specs: a throwaway redis-server on a free port for specs that kill or freeze Redis, and
// helpers for specs that use the shared one on 127.0.0.1:6379 under a unique key prefix.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import type { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { waitFor } from './wait.js';

export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix no other run uses, e.g. `regent-spec:cache:1b2c...:`. */
export function uniquePrefix(name: string): string {
  return `regent-spec:${name}:${randomUUID()}:`;
}

/** Deletes every key under `prefix` (SCAN + DEL, never KEYS). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const match = prefix.replace(/[*?[\]\\]/g, '\\$&') + '*';
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

export class RedisServer {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(readonly port: number) {}

  /** Starts a redis-server without persistence on a free port and waits until it answers PING. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server again on the same port (empty: nothing is persisted). */
  async restart(): Promise<void> {
    if (this.child) throw new Error(`redis-server on ${this.port} is already running`);
    const args = ['--port', String(this.port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--dir', tmpdir()];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let failure: Error | undefined;
    child.once('error', (error) => (failure = error));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      failure ??= new Error(`redis-server exited (${code ?? signal})`);
    });
    process.once('exit', this.killOnExit);
    try {
      await waitFor(`redis-server on port ${this.port}`, async () => {
        if (failure) throw failure;
        return ping(this.port);
      }, 10_000);
    } catch (error) {
      await this.stop();
      throw new Error(`${(error as Error).message}\n${this.output}`);
    }
  }

  /** Kills the server abruptly (SIGKILL, like a crash) and waits for it to exit. Idempotent. */
  async stop(): Promise<void> {
    const child = this.child;
    process.off('exit', this.killOnExit);
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Freezes the server (SIGSTOP): connections stay open but nothing answers. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  // Last resort if the spec process dies before its `after` hook: never leave a server behind.
  private readonly killOnExit = (): void => {
    this.child?.kill('SIGKILL');
  };
}

/** True when something on `port` answers a RESP PING with PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
