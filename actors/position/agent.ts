// The position actor, one per token: folds trade.executed fills into size, entry and PnL, and
// price ticks into the mark. Publishes position.changed after each fill; ticks are too frequent
// to publish, so downstream actors mark positions from the ticks themselves. A fill id is applied
// once: the venue may report a fill twice (in an order answer and on its stream).
import { defineAgent } from '../../runtime/agent/agent.js';
import { TradeExecuted } from '../execution/events.js';
import { PriceTick } from '../market/events.js';
import type { PositionSettings } from './config.js';
import { PositionChanged } from './events.js';
import { applyFill, emptyPosition, markToMarket, unrealizedPnl, type PositionState } from './position-math.js';

/** Fill ids remembered per position: far more than can be in flight at once. */
export const REMEMBERED_FILLS = 256;

export type PositionActorState = PositionState & { readonly fillIds?: readonly string[] };

/** Without settings (specs, benchmarks) the actors are never passivated. */
export function positionAgent(settings: Partial<PositionSettings> = {}) {
  return defineAgent({
    name: 'position',
    consumes: [PriceTick, TradeExecuted],
    key: 'token',
    initialState: (): PositionActorState => emptyPosition(),
    handle: (state, event, ctx): PositionActorState => {
      if (event.type === 'price.tick') return markToMarket(state, event.data.price);
      const { side, size, price, fee, fillId } = event.data;
      const fillIds = state.fillIds ?? [];
      if (fillIds.includes(fillId)) {
        ctx.log.warn({ fillId, clientOrderId: event.data.clientOrderId }, 'fill already applied; skipped');
        return state;
      }
      const next = {
        ...applyFill(state, { side, size, price, fee }),
        fillIds: fillIds.length >= REMEMBERED_FILLS ? [...fillIds.slice(1), fillId] : [...fillIds, fillId],
      };
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
    ...(settings.passivateAfterMs !== undefined ? { passivateAfterMs: settings.passivateAfterMs } : {}),
  });
}
