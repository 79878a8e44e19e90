// Every domain event type, for the composition root to register.
import { Liquidation, PriceTick } from './market/events.js';
import { SentimentChanged, SentimentUpdate } from './sentiment/events.js';
import { LlmDecisionRecorded, Signal } from './trading/events.js';
import { EntryGate, OrderCommand, TradeExecuted, VenueFill } from './execution/events.js';
import { RiskAlert } from './risk/events.js';
import { PositionChanged } from './position/events.js';

export const domainEventTypes = [
  PriceTick,
  Liquidation,
  SentimentUpdate,
  Signal,
  LlmDecisionRecorded,
  OrderCommand,
  TradeExecuted,
  VenueFill,
  EntryGate,
  RiskAlert,
  PositionChanged,
  SentimentChanged,
] as const;
