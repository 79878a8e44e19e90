// PostgreSQL for specs that stop or kill the server: a throwaway cluster (initdb into a temp dir,
// trust auth, loopback only) on a free port, run as the postgres user because initdb refuses root.
// `stop()` is an immediate shutdown (like a crash); `start()` brings the same cluster back.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/** The newest installed PostgreSQL's bin directory (Debian layout). */
function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no PostgreSQL under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

export class PostgresServer {
  private running = false;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly asPostgres: readonly string[],
  ) {}

  /** initdb + start on a free port; resolves once the server accepts a query. */
  static async start(): Promise<PostgresServer> {
    const dir = mkdtempSync(join(tmpdir(), 'regent-pg-'));
    // As root, run the server as postgres (initdb refuses root); as anyone else, as that user.
    const asPostgres = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
    if (asPostgres.length) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const server = new PostgresServer(await freePort(), dir, asPostgres);
    await server.exec('initdb', ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await server.startAgain();
    return server;
  }

  /** Whether the server was started and not stopped since. */
  get isRunning(): boolean {
    return this.running;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** Starts the (stopped) cluster again on the same port, with what it had stored. */
  async startAgain(): Promise<void> {
    if (this.running) throw new Error(`PostgreSQL on ${this.port} is already running`);
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await this.exec('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-o', options, '-w', 'start']);
    this.running = true;
    process.once('exit', this.stopOnExit);
    await waitFor(`PostgreSQL on port ${this.port}`, () => this.answers(), 10_000);
  }

  /** Stops the server at once (`-m immediate`: no checkpoint, connections cut). Idempotent. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    process.off('exit', this.stopOnExit);
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  /** Stops the server and removes its files. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async answers(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async exec(tool: string, args: readonly string[]): Promise<void> {
    const [command, ...prefix] = [...this.asPostgres, join(binDir(), tool)];
    try {
      await run(command!, [...prefix, ...args], { cwd: this.dir });
    } catch (err) {
      const e = err as Error & { stderr?: string; stdout?: string };
      throw new Error(`${tool} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }

  // Last resort if the spec process dies before its `after` hook: never leave a server behind.
  private readonly stopOnExit = (): void => {
    if (!this.running) return;
    const [command, ...prefix] = [...this.asPostgres, join(binDir(), 'pg_ctl')];
    try {
      execFileSync(command!, [...prefix, '-D', this.dataDir, '-m', 'immediate', 'stop'], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  };
}
