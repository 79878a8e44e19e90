// Pure position accounting for one token: applying fills (open, add, reduce, close, flip) and
// marking to market. The position actor folds trade.executed and price.tick events through these.
// realizedPnl is gross of fees; fees accumulate separately (net realized = realizedPnl - fees).

export interface PositionState {
  /** Signed size in tokens: positive long, negative short. */
  readonly size: number;
  /** Average entry price of the open size; 0 when flat. */
  readonly avgEntry: number;
  readonly realizedPnl: number;
  readonly fees: number;
  /** Latest mark price; 0 until the first fill or tick. */
  readonly markPrice: number;
}

export interface PositionFill {
  readonly side: 'buy' | 'sell';
  readonly size: number;
  readonly price: number;
  readonly fee: number;
}

/** Sizes within this fraction of the traded size count as zero, so 0.3 - 0.1 - 0.2 closes flat. */
const DUST = 1e-12;

export function emptyPosition(): PositionState {
  return { size: 0, avgEntry: 0, realizedPnl: 0, fees: 0, markPrice: 0 };
}

export function applyFill(state: PositionState, fill: PositionFill): PositionState {
  if (!(Number.isFinite(fill.size) && fill.size > 0)) throw new RangeError(`fill size must be > 0, got ${fill.size}`);
  if (!(Number.isFinite(fill.price) && fill.price > 0)) throw new RangeError(`fill price must be > 0, got ${fill.price}`);
  // A negative fee is a maker rebate.
  if (!Number.isFinite(fill.fee)) throw new RangeError(`fill fee must be a finite number, got ${fill.fee}`);

  const delta = fill.side === 'buy' ? fill.size : -fill.size;
  const fees = state.fees + fill.fee;
  // Until a tick arrives, the last traded price is the best mark there is.
  const markPrice = state.markPrice > 0 ? state.markPrice : fill.price;

  if (state.size === 0 || Math.sign(state.size) === Math.sign(delta)) {
    const size = state.size + delta;
    const avgEntry = (Math.abs(state.size) * state.avgEntry + fill.size * fill.price) / Math.abs(size);
    return { size, avgEntry, realizedPnl: state.realizedPnl, fees, markPrice };
  }

  // Opposite side: close up to the open size, realize PnL on that part only.
  const closed = Math.min(Math.abs(state.size), fill.size);
  const realizedPnl = state.realizedPnl + closed * (fill.price - state.avgEntry) * Math.sign(state.size);
  let size = state.size + delta;
  if (Math.abs(size) <= DUST * Math.max(Math.abs(state.size), fill.size)) size = 0;

  let avgEntry: number;
  if (size === 0) avgEntry = 0;
  else if (Math.sign(size) === Math.sign(state.size)) avgEntry = state.avgEntry;
  else avgEntry = fill.price; // flipped through zero: the remainder was opened at this fill
  return { size, avgEntry, realizedPnl, fees, markPrice };
}

export function markToMarket(state: PositionState, price: number): PositionState {
  if (!(Number.isFinite(price) && price > 0)) throw new RangeError(`mark price must be > 0, got ${price}`);
  return { ...state, markPrice: price };
}

export function unrealizedPnl(state: PositionState): number {
  return state.size === 0 ? 0 : state.size * (state.markPrice - state.avgEntry);
}

/** Absolute notional at the mark price. */
export function notional(state: PositionState): number {
  return Math.abs(state.size) * state.markPrice;
}
