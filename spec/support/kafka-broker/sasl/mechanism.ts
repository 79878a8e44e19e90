// The server side of a SASL mechanism: one exchange per connection, fed the client's messages (the
// bytes of SaslAuthenticate requests) until it succeeds or fails. A failure's message is what a
// Kafka broker says, and never shows the password.

export const saslMechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanismName = (typeof saslMechanisms)[number];

/** Who may log in: user name -> password. */
export type SaslUsers = Readonly<Record<string, string>>;

export type SaslStep =
  | { readonly state: 'continue'; readonly reply: Buffer }
  | { readonly state: 'authenticated'; readonly reply: Buffer; readonly user: string };

/** Authentication refused; the connection is closed after the answer. */
export class SaslAuthenticationFailure extends Error {
  override readonly name = 'SaslAuthenticationFailure';
}

export interface SaslExchange {
  /** The next client message; throws SaslAuthenticationFailure when it does not authenticate. */
  step(message: Buffer): SaslStep;
}
