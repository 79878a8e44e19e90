// Every domain event type, for the composition root to register.
import { Liquidation, PriceTick } from './market/events.js';
import { SentimentChanged, SentimentUpdate } from './sentiment/events.js';
import { Signal } from './trading/events.js';
import { OrderCommand, TradeExecuted } from './execution/events.js';
import { RiskAlert } from './risk/events.js';
import { PositionChanged } from './position/events.js';

export const domainEventTypes = [
  PriceTick,
  Liquidation,
  SentimentUpdate,
  Signal,
  OrderCommand,
  TradeExecuted,
  RiskAlert,
  PositionChanged,
  SentimentChanged,
] as const;
