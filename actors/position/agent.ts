// The position actor, one per token: folds trade.executed fills into size, entry and PnL, and
// price ticks into the mark. Publishes position.changed after each fill; ticks are too frequent
// to publish, so downstream actors mark positions from the ticks themselves.
import { defineAgent } from '../../runtime/agent.js';
import { TradeExecuted } from '../execution/events.js';
import { PriceTick } from '../market/events.js';
import { PositionChanged } from './events.js';
import { applyFill, emptyPosition, markToMarket, unrealizedPnl, type PositionState } from './position-math.js';

export interface PositionAgentOptions {
  readonly passivateAfterMs?: number;
}

export function positionAgent(options: PositionAgentOptions = {}) {
  return defineAgent({
    name: 'position',
    consumes: [PriceTick, TradeExecuted],
    key: 'token',
    initialState: (): PositionState => emptyPosition(),
    handle: (state, event, ctx) => {
      if (event.type === 'price.tick') return markToMarket(state, event.data.price);
      const { side, size, price, fee } = event.data;
      const next = applyFill(state, { side, size, price, fee });
      ctx.emit(PositionChanged, {
        size: next.size,
        avgEntry: next.avgEntry,
        realizedPnl: next.realizedPnl,
        unrealizedPnl: unrealizedPnl(next),
        markPrice: next.markPrice,
        fees: next.fees,
      });
      return next;
    },
    ...(options.passivateAfterMs !== undefined ? { passivateAfterMs: options.passivateAfterMs } : {}),
  });
}
