// TLS and SASL for the Kafka event log, from eventLog.tls / eventLog.sasl and the secrets: the SASL
// password only from KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE (watched, so a rotated file is
// used from the next connection on), a key passphrase from KAFKA_TLS_KEY_PASSPHRASE[_FILE]. A start
// without a needed secret stops with MissingSecretsError, a bad file with SettingFileError (both exit
// code 2). The log says what is in use (files, mechanism, user), never a password or key.
import type { Logger } from 'pino';
import type { KafkaSecurity } from '../adapters/eventlog/kafka/kafka-security.js';
import type { Config } from '../config/schema.js';
import { readSecret, requireSecrets, type Secret } from '../config/secrets.js';
import { KAFKA_TLS_KEY_PASSPHRASE, kafkaTlsOptions } from './kafka-tls-files.js';

export const KAFKA_SASL_PASSWORD = 'KAFKA_SASL_PASSWORD';
/** The secrets the Kafka event log may need, by environment variable name (or NAME_FILE). */
export const KAFKA_SECRETS: readonly string[] = [KAFKA_SASL_PASSWORD, KAFKA_TLS_KEY_PASSPHRASE];

export interface ComposedKafkaSecurity {
  readonly security: KafkaSecurity;
  /** Stops watching the password file. */
  readonly release: () => void;
}

export function composeKafkaSecurity(settings: Config['eventLog'], logger: Logger, env: NodeJS.ProcessEnv = process.env): ComposedKafkaSecurity {
  const log = logger.child({ component: 'event-log' });
  const onError = (err: Error) => log.error({ err }, 'Kafka secret file problem; keeping the last good value');
  const { tls: tlsSettings, sasl: saslSettings } = settings;
  let password: Secret | undefined;
  if (saslSettings) password = requireSecrets([KAFKA_SASL_PASSWORD], env, { onError })[KAFKA_SASL_PASSWORD];
  let security: KafkaSecurity;
  try {
    // The key is read once, so its passphrase is too: no need to watch that file.
    const passphrase = tlsSettings.enabled && tlsSettings.keyFile !== undefined ? readSecret(KAFKA_TLS_KEY_PASSPHRASE, env, { onError }) : undefined;
    try {
      security = {
        ...(tlsSettings.enabled ? { tls: kafkaTlsOptions(tlsSettings, passphrase) } : {}),
        ...(saslSettings && password
          ? { sasl: { mechanism: saslSettings.mechanism, username: saslSettings.username, password: () => password!.value() } }
          : {}),
      };
    } finally {
      passphrase?.close();
    }
  } catch (error) {
    password?.close();
    throw error;
  }
  if (tlsSettings.enabled || saslSettings) {
    log.info(
      {
        tls: tlsSettings.enabled
          ? { caFile: tlsSettings.caFile ?? '(Node.js public CAs)', certFile: tlsSettings.certFile, keyFile: tlsSettings.keyFile, servername: tlsSettings.servername, rejectUnauthorized: tlsSettings.rejectUnauthorized }
          : false,
        sasl: saslSettings ? { mechanism: saslSettings.mechanism, username: saslSettings.username, passwordFrom: password?.source === 'file' ? `${KAFKA_SASL_PASSWORD}_FILE` : KAFKA_SASL_PASSWORD } : false,
      },
      'Kafka connection security',
    );
  }
  if (tlsSettings.enabled && !tlsSettings.rejectUnauthorized) {
    log.warn('eventLog.tls.rejectUnauthorized is false: any broker certificate is accepted (anyone between Regent and the brokers can read and change the traffic)');
  }
  if (saslSettings?.mechanism === 'plain' && !tlsSettings.enabled) {
    log.warn('SASL PLAIN without TLS (eventLog.tls.enabled false): the password goes over the network in the clear');
  }
  return { security, release: () => password?.close() };
}
