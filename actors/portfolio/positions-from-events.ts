// Positions as the fold of their events from empty: fills applied in order, marked at the last
// tick. The truth the portfolio cache's consistency check compares against (fed from the event
// store's replay in consumption order), and the same fold the chaos invariant uses.
import type { Envelope } from '../../runtime/events/envelope.js';
import { applyFill, emptyPosition, markToMarket, type PositionState } from '../position/position-math.js';
import { PriceTick } from '../market/events.js';
import { TradeExecuted } from '../execution/events.js';

/** The event types the fold reads, for the replay query. */
export const positionEventTypes = [TradeExecuted.type, PriceTick.type];

export async function foldPositions(events: AsyncIterable<Envelope> | Iterable<Envelope>): Promise<Map<string, PositionState>> {
  const positions = new Map<string, PositionState>();
  const marks = new Map<string, number>();
  const seen = new Set<string>();
  const seenFills = new Set<string>();
  for await (const e of events) {
    if (e.token === undefined || seen.has(e.id)) continue;
    seen.add(e.id);
    if (e.type === TradeExecuted.type) {
      const fill = e.data as { side: 'buy' | 'sell'; size: number; price: number; fee: number; fillId?: string };
      if (fill.fillId !== undefined) {
        if (seenFills.has(fill.fillId)) continue;
        seenFills.add(fill.fillId);
      }
      positions.set(e.token, applyFill(positions.get(e.token) ?? emptyPosition(), fill));
    } else if (e.type === PriceTick.type) {
      marks.set(e.token, (e.data as { price: number }).price);
    }
  }
  for (const [token, p] of positions) {
    const mark = marks.get(token);
    if (mark !== undefined) positions.set(token, markToMarket(p, mark));
  }
  return positions;
}
