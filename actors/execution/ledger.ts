// Books fills into the execution ledger: each fill id once, position and cash updated, and one
// trade.executed per fill with its slippage against the order's reference price.
import type { AgentContext } from '../../runtime/agent/agent.js';
import type { Fill } from '../../runtime/ports/exchange.js';
import { applyFill } from '../position/position-math.js';
import { TradeExecuted } from './events.js';
import { BOOKED_FILLS_CAP, type ExecutionState } from './state.js';
import { idWindowAdd, idWindowHas } from '../../runtime/kit/id-window.js';

/** Positive = worse for the taker: paid above the reference on a buy, received below it on a sell. */
export function slippageBps(side: 'buy' | 'sell', price: number, referencePrice: number): number {
  const diff = side === 'buy' ? price - referencePrice : referencePrice - price;
  return (diff / referencePrice) * 1e4;
}

export interface FillContext {
  readonly referencePrice: number;
  readonly reduceOnly: boolean;
  readonly venue: string;
}

export interface Booked {
  /** Realized PnL of this fill, before its fee. */
  readonly realizedPnl: number;
}

/** Books a fill unless its id was booked before (then undefined). */
export function bookFill(s: ExecutionState, fill: Fill, meta: FillContext, out: Pick<AgentContext, 'emit'>): Booked | undefined {
  if (idWindowHas(s.bookedFills, fill.fillId)) return undefined;
  const prev = s.book[fill.token] ?? { size: 0, avgEntry: 0, lastPrice: fill.price };
  const pos = applyFill({ size: prev.size, avgEntry: prev.avgEntry, realizedPnl: 0, fees: 0, markPrice: prev.lastPrice }, fill);
  s.book[fill.token] = { size: pos.size, avgEntry: pos.avgEntry, lastPrice: prev.lastPrice };
  s.cash += pos.realizedPnl - fill.fee;
  s.realizedPnl += pos.realizedPnl;
  s.fees += fill.fee;
  s.counters.fills += 1;
  s.bookedFills = idWindowAdd(s.bookedFills, fill.fillId, BOOKED_FILLS_CAP);
  const data = {
    clientOrderId: fill.clientOrderId,
    fillId: fill.fillId,
    side: fill.side,
    size: fill.size,
    price: fill.price,
    fee: fill.fee,
    slippageBps: slippageBps(fill.side, fill.price, meta.referencePrice),
    referencePrice: meta.referencePrice,
    reduceOnly: meta.reduceOnly,
    venue: meta.venue,
  };
  out.emit(TradeExecuted, data, { token: fill.token });
  return { realizedPnl: pos.realizedPnl };
}
