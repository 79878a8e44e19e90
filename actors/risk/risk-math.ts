// Pure risk measures: leverage, liquidation price and distance, return correlation, thresholds.
// Liquidation model (simple cross margin): only this token's price P moves, everything else held;
// liquidation is the P where equity(P) = maintenanceMarginRate * grossNotional(P), with
// equity(P) = E + s*(P - M) and grossNotional(P) = G - |s|*M + |s|*P (s signed size, M mark).

export function leverageRatio(grossNotional: number, equity: number): number {
  return equity <= 0 ? Infinity : grossNotional / equity;
}

export interface LiquidationInput {
  /** Signed size of the token's position. */
  readonly size: number;
  readonly markPrice: number;
  /** Account equity (cash + unrealized PnL of all positions). */
  readonly equity: number;
  /** Account gross notional, this position included. */
  readonly grossNotional: number;
  /** In [0, 1). */
  readonly maintenanceMarginRate: number;
}

/**
 * Solving E + s(P - M) = m(G - |s|M + |s|P) for P gives
 * P = (m(G - |s|M) - E + sM) / (s - m|s|).
 * Undefined when flat, or when no positive price liquidates (a well-covered long).
 */
export function liquidationPrice(input: LiquidationInput): number | undefined {
  const { size: s, markPrice: M, equity: E, grossNotional: G, maintenanceMarginRate: m } = input;
  if (!(m >= 0 && m < 1)) throw new RangeError(`maintenanceMarginRate must be in [0, 1), got ${m}`);
  if (s === 0) return undefined;
  const p = (m * (G - Math.abs(s) * M) - E + s * M) / (s - m * Math.abs(s));
  return Number.isFinite(p) && p > 0 ? p : undefined;
}

/**
 * Adverse move to liquidation as a fraction of the mark price: (M - P)/M for a long, (P - M)/M for
 * a short; 0 when equity is already below maintenance; Infinity when no price liquidates.
 */
export function liquidationDistance(input: LiquidationInput): number {
  const p = liquidationPrice(input);
  if (p === undefined) return Infinity;
  const d = input.size > 0 ? (input.markPrice - p) / input.markPrice : (p - input.markPrice) / input.markPrice;
  return Math.max(0, d);
}

/** Simple returns p[i]/p[i-1] - 1; a non-positive previous price yields 0 rather than Infinity. */
export function returnsFromPrices(prices: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < prices.length; i++) {
    const prev = prices[i - 1]!;
    out.push(prev > 0 ? prices[i]! / prev - 1 : 0);
  }
  return out;
}

/**
 * Pearson correlation over the most recent common length of xs and ys (series are aligned at
 * their ends). Pairs with a non-finite member are skipped. 0 when fewer than 2 pairs remain or
 * either variance is zero, so a flat or missing series never produces NaN.
 */
export function pearsonCorrelation(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = xs[xs.length - n + i]!;
    const y = ys[ys.length - n + i]!;
    if (Number.isFinite(x) && Number.isFinite(y)) {
      a.push(x);
      b.push(y);
    }
  }
  if (a.length < 2) return 0;
  const mx = a.reduce((s, v) => s + v, 0) / a.length;
  const my = b.reduce((s, v) => s + v, 0) / b.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < a.length; i++) {
    const dx = a[i]! - mx;
    const dy = b[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return 0;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

export interface PairCorrelation {
  readonly a: string;
  readonly b: string;
  readonly value: number;
}

/**
 * The most positively correlated pair (concentration risk). Tokens are visited in sorted order
 * and the first pair wins ties, so the answer does not depend on insertion order.
 * Undefined with fewer than two tokens.
 */
export function maxPairwiseCorrelation(
  seriesByToken: ReadonlyMap<string, readonly number[]> | Readonly<Record<string, readonly number[]>>,
): PairCorrelation | undefined {
  const entries = (seriesByToken instanceof Map ? [...seriesByToken.entries()] : Object.entries(seriesByToken))
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  let best: PairCorrelation | undefined;
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const value = pearsonCorrelation(entries[i]![1], entries[j]![1]);
      if (best === undefined || value > best.value) best = { a: entries[i]![0], b: entries[j]![0], value };
    }
  }
  return best;
}

export type RiskLevel = 'ok' | 'warning' | 'critical';

/**
 * 'above': the value is bad when high (leverage, correlation); 'below': bad when low
 * (liquidation distance). Reaching a threshold counts as crossing it.
 */
export function classify(value: number, warning: number, critical: number, direction: 'above' | 'below'): RiskLevel {
  if (direction === 'above') {
    if (value >= critical) return 'critical';
    if (value >= warning) return 'warning';
    return 'ok';
  }
  if (value <= critical) return 'critical';
  if (value <= warning) return 'warning';
  return 'ok';
}
