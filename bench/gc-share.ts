// The share of a run's wall time spent in garbage collection, from perf_hooks' gc entries; and a
// full collection on demand, so that one run's garbage is not collected inside the next one.
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A full, synchronous garbage collection (twice: what the first frees can free more). */
export function collectGarbage(): void {
  gc();
  gc();
}

export interface Timed<T> {
  readonly result: T;
  /** Fraction of the run's wall time inside GC pauses (0..1). */
  readonly gcShare: number;
  readonly gcPauses: number;
}

export async function withGcShare<T>(run: () => Promise<T>): Promise<Timed<T>> {
  let gcMs = 0;
  let forcedMs = 0;
  let pauses = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as PerformanceEntry[]) {
      // A collection the bench forces between runs (collectGarbage) is not the run's own.
      const flags = (entry as PerformanceEntry & { detail?: { flags?: number } }).detail?.flags ?? 0;
      if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) {
        forcedMs += entry.duration;
        continue;
      }
      gcMs += entry.duration;
      pauses++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const started = performance.now();
  try {
    const result = await run();
    const endedAt = performance.now();
    // Entries are delivered asynchronously: let the last ones arrive before reading the sum.
    await new Promise((resolve) => setImmediate(resolve));
    return { result, gcShare: gcMs / (endedAt - started - forcedMs), gcPauses: pauses };
  } finally {
    observer.disconnect();
  }
}
