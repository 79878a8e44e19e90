// A paper exchange whose next answers can be scripted, for the failure cases of execution: the venue
// gets the order but the answer is lost (unresolved), the process dies between sending and the
// answer (a throw after the venue has it), the venue never gets it, or the venue cannot be asked.
import { PaperExchange, type PaperExchangeOptions } from '../../adapters/exchange/paper.js';
import { ExchangeUnavailableError, type OrderRequest, type OrderState, type PlaceResult, type VenuePosition } from '../../runtime/ports/exchange.js';

export type PlaceScript =
  /** The venue takes the order; the answer is lost. */
  | 'lost-answer'
  /** The venue takes the order, then the caller dies before it sees the answer. */
  | 'crash-after-send'
  /** The request never reaches the venue, and the caller cannot tell. */
  | 'lost-request'
  /** The venue fills the order but its answer carries no fills (they come later, as on Hyperliquid). */
  | 'fills-later';

export class ScriptedExchange extends PaperExchange {
  /** place() calls, whatever happened to them. */
  placeCalls = 0;
  private readonly script: PlaceScript[] = [];
  private unavailable = 0;

  constructor(options: PaperExchangeOptions = {}) {
    super(options);
  }

  /** The next place() calls follow these scripts, in order. */
  next(...scripts: PlaceScript[]): this {
    this.script.push(...scripts);
    return this;
  }

  /** The next n lookups (order, openOrders, positions) fail as if the venue were down. */
  lookupsFail(n: number): this {
    this.unavailable += n;
    return this;
  }

  override async place(request: OrderRequest): Promise<PlaceResult> {
    this.placeCalls += 1;
    const step = this.script.shift();
    if (step === 'lost-request') return { outcome: 'unresolved', reason: 'timeout after 5000 ms' };
    const result = await super.place(request);
    if (step === 'lost-answer') return { outcome: 'unresolved', reason: 'connection reset before the answer' };
    if (step === 'crash-after-send') throw new Error('process died between sending and the answer');
    if (step === 'fills-later' && result.outcome === 'confirmed') return { ...result, order: { ...result.order, fills: [] } };
    return result;
  }

  override async order(clientOrderId: string): Promise<OrderState | undefined> {
    this.maybeDown();
    return super.order(clientOrderId);
  }

  override async positions(): Promise<readonly VenuePosition[]> {
    this.maybeDown();
    return super.positions();
  }

  private maybeDown(): void {
    if (this.unavailable > 0) {
      this.unavailable -= 1;
      throw new ExchangeUnavailableError(this.venue, 'venue did not answer (scripted)');
    }
  }
}
