// Runs the compiled CLI as a child process for acceptance specs: collects stdout and stderr, never
// rejects on a non-zero exit (the exit code is what the spec asserts), and kills a child that
// outlives its deadline. `startNode` returns the child while it runs (to watch its output or signal
// it). `stopAll()` ends any child still running, for an `after` hook.
import { spawn, type ChildProcess } from 'node:child_process';

export interface CliResult {
  /** Exit code, or null when the child was ended by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The child outlived its deadline and was killed. */
  readonly timedOut: boolean;
}

export interface CliRunOptions {
  /** The whole environment of the child (nothing is inherited implicitly). */
  readonly env: NodeJS.ProcessEnv;
  /** Kill the child (SIGKILL) after this long. */
  readonly timeoutMs: number;
  readonly cwd?: string;
}

const running = new Set<ChildProcess>();

/** `node <script> ...args`, resolved with what it printed and how it ended. */
export function runNode(script: string, args: readonly string[], options: CliRunOptions): Promise<CliResult> {
  return runCommand(process.execPath, [script, ...args], options);
}

/** Any executable (e.g. `script` for a pseudo-terminal), like runNode. */
export function runCommand(command: string, args: readonly string[], options: CliRunOptions): Promise<CliResult> {
  return startCommand(command, args, options).ended;
}

/** A child still running: what it printed so far, a way to signal it, and how it ended. */
export interface RunningCli {
  stdout(): string;
  stderr(): string;
  signal(signal: NodeJS.Signals): void;
  readonly ended: Promise<CliResult>;
}

/** `node <script> ...args` without waiting for it (to signal it, or watch its output). */
export function startNode(script: string, args: readonly string[], options: CliRunOptions): RunningCli {
  return startCommand(process.execPath, [script, ...args], options);
}

function startCommand(command: string, args: readonly string[], options: CliRunOptions): RunningCli {
  const child = spawn(command, [...args], {
    env: options.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
  const ended = new Promise<CliResult>((resolve, reject) => {
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(deadline);
      running.delete(child);
      reject(error);
    });
    // 'close', not 'exit': it fires after the pipes are drained, so no output is lost.
    child.once('close', (code, signal) => {
      clearTimeout(deadline);
      running.delete(child);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
      });
    });
  });
  return {
    stdout: () => Buffer.concat(stdout).toString('utf8'),
    stderr: () => Buffer.concat(stderr).toString('utf8'),
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    ended,
  };
}

/** Kills every child started by runNode that is still running. */
export function stopAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** A copy of `env` without the named variables nor any starting with one of `prefixes`. */
export function envWithout(env: NodeJS.ProcessEnv, names: readonly string[], prefixes: readonly string[] = []): NodeJS.ProcessEnv {
  const copy: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (names.includes(name) || prefixes.some((p) => name.startsWith(p))) continue;
    copy[name] = value;
  }
  return copy;
}

/** What a failing assertion should show about a run. */
export function describeRun(result: CliResult, maxChars = 4000): string {
  const tail = (text: string): string => (text.length > maxChars ? `...${text.slice(-maxChars)}` : text);
  return (
    `exit ${result.code}${result.signal ? ` (signal ${result.signal})` : ''}${result.timedOut ? ' after its deadline' : ''}\n` +
    `--- stdout ---\n${tail(result.stdout)}\n--- stderr ---\n${tail(result.stderr)}`
  );
}
