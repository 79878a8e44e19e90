// Binance request-rate bookkeeping shared by every REST call: the used weight the venue reports in
// X-MBX-USED-WEIGHT-1M, a back-off after a 429 (nothing is sent until Retry-After has passed) and a
// halt after a 418 IP ban (nothing is sent until Retry-After has passed or an operator resumes).
// Requests refused here never leave the process, so they cannot make a ban longer.

/** Used when a 429 comes without Retry-After: weight limits are per minute. */
const DEFAULT_BACKOFF_MS = 60_000;

export type GateState =
  | { readonly open: true }
  | { readonly open: false; readonly halted: false; readonly retryAfterMs: number; readonly reason: string }
  | { readonly open: false; readonly halted: true; readonly retryAfterMs?: number; readonly reason: string };

export class RateLimitGate {
  private weight: number | undefined;
  private weightAt: number | undefined;
  private backoffUntil = 0;
  private halt: { readonly until?: number; readonly reason: string } | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** The last X-MBX-USED-WEIGHT-1M the venue reported (undefined before the first answer). */
  get usedWeight1m(): number | undefined {
    return this.weight;
  }

  /** When the used weight was last reported (ms, by the gate's clock). */
  get usedWeightAt(): number | undefined {
    return this.weightAt;
  }

  get halted(): boolean {
    const state = this.check();
    return !state.open && state.halted;
  }

  /** Reads the rate-limit headers of any answer, and starts a back-off on 429 or a halt on 418. */
  observe(status: number, headers: Headers): void {
    const weight = Number(headers.get('x-mbx-used-weight-1m') ?? Number.NaN);
    if (Number.isFinite(weight)) {
      this.weight = weight;
      this.weightAt = this.now();
    }
    const retryAfterMs = parseRetryAfter(headers.get('retry-after'), this.now());
    if (status === 429) {
      this.backoffUntil = Math.max(this.backoffUntil, this.now() + (retryAfterMs ?? DEFAULT_BACKOFF_MS));
    } else if (status === 418) {
      const reason = retryAfterMs === undefined
        ? 'IP banned by Binance (418) with no Retry-After: halted until an operator resumes'
        : `IP banned by Binance (418) for ${Math.ceil(retryAfterMs / 1000)} s`;
      this.halt = { until: retryAfterMs === undefined ? undefined : this.now() + retryAfterMs, reason };
    }
  }

  /** Whether a request may be sent now; when not, why and for how long. */
  check(): GateState {
    const now = this.now();
    if (this.halt) {
      if (this.halt.until === undefined) return { open: false, halted: true, reason: this.halt.reason };
      if (now < this.halt.until) return { open: false, halted: true, retryAfterMs: this.halt.until - now, reason: this.halt.reason };
      this.halt = undefined;
    }
    if (now < this.backoffUntil) {
      const retryAfterMs = this.backoffUntil - now;
      return { open: false, halted: false, retryAfterMs, reason: `rate limited by Binance (429): backing off for ${retryAfterMs} ms` };
    }
    return { open: true };
  }

  /** Operator action: lift a halt and any back-off. */
  resume(): void {
    this.halt = undefined;
    this.backoffUntil = 0;
  }
}

/** Retry-After in ms: Binance sends whole seconds; an HTTP date is accepted too. */
function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
