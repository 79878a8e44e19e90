// The end of a run has a deadline. Once a stop is asked for (a signal, --duration, the feed done),
// the drain, the final snapshots and commits and the closing of the stores must finish within
// shutdown.deadlineMs; past it (or on a second signal) the run gives up and reports what it could
// not store. Also the typed outcomes of a start or stop that did not finish.
import type { RunSummary } from './summary.js';

export class ShutdownDeadline {
  /** Resolves with the reason once the run must give up waiting. */
  readonly passed: Promise<string>;
  private giveUpWith!: (reason: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private settled = false;

  constructor(private readonly deadlineMs: number) {
    this.passed = new Promise((resolve) => (this.giveUpWith = resolve));
  }

  /** The stop began: the deadline runs from now (later calls change nothing). */
  begin(): void {
    if (this.timer || this.settled) return;
    // Not unref'd: a shutdown that hangs on nothing the event loop knows about must still report.
    this.timer = setTimeout(() => this.giveUp(`shutdown deadline passed (${formatMs(this.deadlineMs)})`), this.deadlineMs);
  }

  /** Gives up now (a second signal). */
  giveUp(reason: string): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.giveUpWith(reason);
  }

  /** The stop finished in time. */
  finished(): void {
    this.settled = true;
    clearTimeout(this.timer);
  }
}

/** The stop gave up before it finished: some events may not be stored. CLI exit code 4. */
export class ShutdownIncompleteError extends Error {
  override readonly name = 'ShutdownIncompleteError';
  readonly exitCode = 4;

  constructor(
    readonly reason: string,
    /** Records logged but not stored, per `topic/partition`; undefined when the log keeps them itself (Kafka) or nothing is stored. */
    readonly unstored: ReadonlyMap<string, number> | undefined,
    /** The summary, when it was made before the stop gave up. */
    readonly summary: RunSummary | undefined,
  ) {
    super(`${reason}: ${describeUnstored(unstored)}`);
  }

  get unstoredCount(): number {
    return [...(this.unstored?.values() ?? [])].reduce((a, b) => a + b, 0);
  }
}

/** A signal arrived while the run was starting; the start was abandoned and what it opened closed. */
export class StartInterruptedError extends Error {
  override readonly name = 'StartInterruptedError';
  constructor(readonly reason: string) {
    super(`${reason} during start-up: the start was abandoned; nothing ran`);
  }
}

function describeUnstored(unstored: ReadonlyMap<string, number> | undefined): string {
  if (unstored === undefined) return 'stopped without finishing the drain';
  const total = [...unstored.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return 'every logged event is stored, but the stop did not finish';
  const partitions = [...unstored.entries()].sort(([a], [b]) => byPartition(a, b)).map(([tp, n]) => `${tp}: ${n.toLocaleString('en-US')}`);
  return `${total.toLocaleString('en-US')} event(s) not stored (${partitions.join(', ')})`;
}

function byPartition(a: string, b: string): number {
  const [ta, pa] = split(a);
  const [tb, pb] = split(b);
  return ta === tb ? pa - pb : ta < tb ? -1 : 1;
}

function split(tp: string): [string, number] {
  const slash = tp.lastIndexOf('/');
  return [tp.slice(0, slash), Number(tp.slice(slash + 1))];
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${(ms / 1000).toLocaleString('en-US')} s` : `${ms.toLocaleString('en-US')} ms`;
}
