// Log returns of a close series and their realized volatility, carried on every signal: execution
// gates entries on the volatility and correlates the returns with the tokens it already holds.
// Computed here rather than with technicalindicators' SD, which yields nothing for a window whose
// mean is exactly 0 (a flat series), where the answer is simply 0.

/** Returns a signal carries for execution's correlation check. */
export const SIGNAL_RETURNS = 20;

/** ln(p[i] / p[i-1]) for consecutive closes; a non-positive close yields no return for its pairs. */
export function logReturns(closes: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < closes.length; i++) {
    const prev = closes[i - 1]!;
    const cur = closes[i]!;
    if (prev > 0 && cur > 0) out.push(Math.log(cur / prev));
  }
  return out;
}

/** Sample standard deviation of the returns (per tick, not annualised); undefined below 2 returns. */
export function realizedVolatility(returns: readonly number[]): number | undefined {
  const n = returns.length;
  if (n < 2) return undefined;
  let mean = 0;
  for (const r of returns) mean += r;
  mean /= n;
  let squares = 0;
  for (const r of returns) squares += (r - mean) ** 2;
  return Math.sqrt(squares / (n - 1));
}

/** The last `count` returns (all of them when fewer). */
export function recentReturns(returns: readonly number[], count: number = SIGNAL_RETURNS): number[] {
  return returns.slice(Math.max(0, returns.length - count));
}
