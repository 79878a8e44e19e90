// Position sizing: how many tokens to buy or sell for a signal, by fixed fraction or by Kelly.
// Both return a token size >= 0, and 0 whenever there is no equity, no price or no edge.

function valid(equity: number, price: number): boolean {
  return Number.isFinite(equity) && equity > 0 && Number.isFinite(price) && price > 0;
}

/** equity * fraction / price. */
export function fixedFractionSize(equity: number, fraction: number, price: number): number {
  if (!valid(equity, price) || !(Number.isFinite(fraction) && fraction > 0)) return 0;
  return (equity * fraction) / price;
}

/** Kelly fraction f* = p - (1 - p) / b for win rate p and payoff ratio b (average win / average loss). */
export function kellyFraction(winRate: number, payoff: number): number {
  if (!(winRate >= 0 && winRate <= 1) || !(Number.isFinite(payoff) && payoff > 0)) return 0;
  return winRate - (1 - winRate) / payoff;
}

/** equity * clip(f*, 0, cap) / price. */
export function kellySize(equity: number, winRate: number, payoff: number, cap: number, price: number): number {
  if (!valid(equity, price) || !(cap > 0)) return 0;
  const f = Math.min(cap, Math.max(0, kellyFraction(winRate, payoff)));
  return (equity * f) / price;
}
