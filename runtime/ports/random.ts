// Randomness comes from a seeded Random, so a run with the same seed repeats itself.
export interface Random {
  /** A float in [0, 1). */
  next(): number;
}
