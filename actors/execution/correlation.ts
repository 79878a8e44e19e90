// Pearson correlation of two return series over their common most recent length, for the
// correlated-exposure check. Too few points or a flat series give undefined: no evidence either way.

export const MIN_CORRELATION_POINTS = 5;

export function correlation(a: readonly number[], b: readonly number[]): number | undefined {
  const n = Math.min(a.length, b.length);
  if (n < MIN_CORRELATION_POINTS) return undefined;
  const x = a.slice(a.length - n);
  const y = b.slice(b.length - n);
  const mean = (v: readonly number[]) => v.reduce((sum, e) => sum + e, 0) / n;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return undefined;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}
