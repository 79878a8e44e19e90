// Counts restarts in a sliding window: more than `intensity` within `period` ms means give up.
export class RestartIntensity {
  private readonly times: number[] = [];

  constructor(
    private readonly intensity: number,
    private readonly period: number,
  ) {}

  /** Records a restart at `now`; false when the limit is exceeded. */
  record(now: number): boolean {
    this.times.push(now);
    while (this.times.length > 0 && this.times[0]! <= now - this.period) this.times.shift();
    return this.times.length <= this.intensity;
  }

  /** Restarts within the window ending at `now` (for backoff attempts). */
  recent(now: number): number {
    return this.times.filter((t) => t > now - this.period).length;
  }

  reset(): void {
    this.times.length = 0;
  }
}
