// The prompt for one trading decision: a fixed system prompt and a compact user message with the
// market summary (numbers rounded so the model reads them and the token count stays small), the
// allowed actions and the maximum size, asking for one JSON object and nothing else.
import type { LlmDecisionRequest } from '../../runtime/ports/llm.js';

export interface DecisionPrompt {
  readonly system: string;
  readonly user: string;
}

export const SYSTEM_PROMPT = [
  'You are a cautious trading assistant inside an automated system.',
  'You choose one of the allowed actions for one token from a market summary.',
  'Risk checks run after you; when the picture is unclear, prefer hold with low confidence.',
  'Reply with ONLY a JSON object, no prose and no code fence.',
].join(' ');

/** Significant digits kept for prices, indicators and scores. */
const DIGITS = 5;

export function buildDecisionPrompt(request: LlmDecisionRequest): DecisionPrompt {
  const { summary, allowedActions, maxSize } = request;
  const indicators = Object.keys(summary.indicators)
    .sort()
    .map((name) => `${name}=${round(summary.indicators[name]!)}`)
    .join(', ');
  const lines = [
    `Token: ${summary.token}`,
    `Price: ${round(summary.price)} at ${new Date(summary.ts).toISOString()}`,
    `Technical score (-1 bearish .. 1 bullish): ${round(summary.technicalScore)}`,
    `Indicators: ${indicators || 'none'}`,
  ];
  if (summary.position !== undefined) lines.push(`Position held (signed size): ${round(summary.position)}`);
  if (summary.sentiment !== undefined) lines.push(`Sentiment (-1 .. 1): ${round(summary.sentiment)}`);
  const choices = allowedActions.map((a) => JSON.stringify(a)).join(' | ');
  lines.push(
    `Allowed actions: ${allowedActions.join(', ')}`,
    `Max size: ${round(maxSize)} ${summary.token}; sizeFraction is the fraction of it to trade.`,
    '',
    'Answer with ONLY this JSON object:',
    `{"direction": ${choices}, "confidence": number 0..1, "sizeFraction": number 0..1, "reasoning": "one short sentence"}`,
  );
  return { system: SYSTEM_PROMPT, user: lines.join('\n') };
}

/** A number with DIGITS significant digits, without exponent noise for ordinary magnitudes. */
export function round(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return String(Number(value.toPrecision(DIGITS)));
}
