// SASL on the broker: SaslServer holds what the broker offers (mechanisms, users' credentials);
// each connection has a SaslSession that records the mechanism its handshake chose, the exchange
// under way and, once it succeeded, the user. Until then only ApiVersions, SaslHandshake and
// SaslAuthenticate are served.
import { SaslAuthenticationFailure, type SaslExchange, type SaslMechanismName, type SaslUsers } from './mechanism.js';
import { plainExchange } from './plain.js';
import { scramExchange, ScramCredentials } from './scram.js';

export interface SaslSettings {
  /** Offered in this order in the handshake answer. */
  readonly mechanisms: readonly SaslMechanismName[];
  readonly users: SaslUsers;
}

export class SaslServer {
  readonly mechanisms: readonly SaslMechanismName[];
  private readonly scram = new Map<SaslMechanismName, ScramCredentials>();

  constructor(private readonly settings: SaslSettings) {
    this.mechanisms = [...settings.mechanisms];
    if (this.mechanisms.includes('SCRAM-SHA-256')) this.scram.set('SCRAM-SHA-256', new ScramCredentials('sha256', settings.users));
    if (this.mechanisms.includes('SCRAM-SHA-512')) this.scram.set('SCRAM-SHA-512', new ScramCredentials('sha512', settings.users));
  }

  offers(mechanism: string): mechanism is SaslMechanismName {
    return (this.mechanisms as readonly string[]).includes(mechanism);
  }

  exchange(mechanism: SaslMechanismName): SaslExchange {
    if (mechanism === 'PLAIN') return plainExchange(this.settings.users);
    return scramExchange(this.scram.get(mechanism)!);
  }
}

export class SaslSession {
  private exchange: SaslExchange | undefined;
  /** The authenticated user, once an exchange succeeded. */
  user: string | undefined;
  /** Set by a refused authentication: the connection is closed once the answer is written. */
  closeAfterReply = false;

  get authenticated(): boolean {
    return this.user !== undefined;
  }

  /** After a successful handshake: the exchange the next SaslAuthenticate requests feed. */
  begin(exchange: SaslExchange): void {
    this.exchange = exchange;
  }

  /** One client message; returns the reply, or throws SaslAuthenticationFailure (and marks the connection for closing). */
  step(message: Buffer): Buffer {
    try {
      if (this.exchange === undefined) throw new SaslAuthenticationFailure('Unexpected SaslAuthenticate request: no SASL handshake on this connection');
      const step = this.exchange.step(message);
      if (step.state === 'authenticated') {
        this.user = step.user;
        this.exchange = undefined;
      }
      return step.reply;
    } catch (error) {
      this.exchange = undefined;
      this.closeAfterReply = true;
      throw error;
    }
  }
}
