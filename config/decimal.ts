// Numbers written as text (environment variables, flags) are read as plain decimals only: `0x10`,
// `0b1`, `0o7`, `1_000` and `Infinity` are not numbers here, so a typo never becomes a valid value.

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The finite number a decimal string (optionally signed, fractional, with an exponent) denotes, else undefined. */
export function parseDecimal(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}
