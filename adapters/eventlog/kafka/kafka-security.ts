// How the Kafka clients reach the brokers securely: TLS options (node:tls: CA, client certificate
// and key, servername, rejectUnauthorized) and SASL credentials, turned into kafkajs's `ssl` and
// `sasl` settings. The password is asked for at each authentication, so a rotated secret file is
// used from the next connection on; nothing here holds it.
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';

export const kafkaSaslMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof kafkaSaslMechanisms)[number];

export interface KafkaSasl {
  readonly mechanism: KafkaSaslMechanism;
  readonly username: string;
  /** The current password; read at every authentication. */
  readonly password: () => string;
}

export interface KafkaSecurity {
  /** Connect with TLS, with these options (PEM texts, not paths). */
  readonly tls?: ConnectionOptions;
  readonly sasl?: KafkaSasl;
}

/** kafkajs's `ssl` and `sasl` client settings; a new object per client, as kafkajs caches its authenticator on it. */
export function kafkaJsSecurity(security: KafkaSecurity | undefined): { ssl?: ConnectionOptions; sasl?: SASLOptions } {
  const sasl = security?.sasl;
  return {
    ...(security?.tls ? { ssl: { ...security.tls } } : {}),
    ...(sasl
      ? {
          sasl: {
            mechanism: sasl.mechanism,
            username: sasl.username,
            get password(): string {
              return sasl.password();
            },
          } as SASLOptions,
        }
      : {}),
  };
}
