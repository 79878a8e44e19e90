// The VenueBook port: where a simulated venue (the paper exchange) keeps its orders, so that with
// durable state it survives a restart as a real venue would, and reconciliation finds what it sent.

export interface VenueBookEntry {
  /** The order's client order id. */
  readonly id: string;
  /** Placement order (1, 2, ...). */
  readonly seq: number;
  /** The venue's record of the order, as it chooses to keep it. */
  readonly record: unknown;
}

export interface VenueBook {
  load(): Promise<readonly VenueBookEntry[]>;
  /** Writes these entries (insert or replace); resolves once durable. */
  save(entries: readonly VenueBookEntry[]): Promise<void>;
}
