// The agent shown in README.md ("Writing an agent"), kept here so a spec proves the example works.
import { defineAgent } from '../../runtime/agent/agent.js';
import { PriceTick } from '../../actors/market/events.js';
import { Signal } from '../../actors/trading/events.js';

interface Breakout {
  readonly high: number;
  readonly ticks: number;
}

export const breakoutAgent = (lookback: number) =>
  defineAgent({
    name: 'breakout',
    consumes: [PriceTick],
    key: 'token',
    initialState: (): Breakout => ({ high: 0, ticks: 0 }),
    handle: (state, event, ctx) => {
      const price = event.data.price;
      if (state.ticks >= lookback && price > state.high) {
        ctx.emit(Signal, {
          side: 'buy',
          score: 1,
          confidence: 0.6,
          price,
          indicators: { high: state.high },
          reason: `new ${lookback}-tick high`,
        });
      }
      return { high: Math.max(state.high, price), ticks: state.ticks + 1 };
    },
  });
