// The PortfolioCache port: the portfolio as dashboards read it (Redis in production): one entry per
// token position, the cash balance and the portfolio metrics. A cache only: the positions can be
// rebuilt from the event store, and are checked against it. Generic in the position, so the kernel
// knows nothing of how a position is accounted.

export interface CachedPositions<Position> {
  readonly positions: Map<string, Position>;
  /** Tokens whose cached entry exists but is not a readable position. */
  readonly unreadable: string[];
}

export interface PortfolioCache<Position> {
  setPosition(token: string, position: Position): Promise<void>;
  /** Deletes the tokens' positions; resolves to how many existed. */
  deletePositions(...tokens: string[]): Promise<number>;
  /** Every readable cached position. */
  positions(): Promise<Map<string, Position>>;
  /** Every cached position, separating the entries that do not read as a position. */
  readPositions(): Promise<CachedPositions<Position>>;
  setBalance(cash: number): Promise<void>;
  balance(): Promise<number | undefined>;
  setMetrics(metrics: Readonly<Record<string, number>>): Promise<void>;
  metrics(): Promise<Record<string, number> | undefined>;
}
