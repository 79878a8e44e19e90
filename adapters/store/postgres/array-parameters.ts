// Rows bound as one array parameter per column, for `INSERT ... SELECT FROM unnest(...)`: the
// statement text and its parameter count stay the same whatever the number of rows (no 65,535-
// parameter limit), and PostgreSQL parses one value per column instead of one per cell.

/** `$first::type[], $first+1::type[], ...`: the unnest arguments for columns of these types. */
export function arrayParameters(types: readonly string[], first = 1): string {
  return types.map((type, i) => `$${first + i}::${type}[]`).join(', ');
}
