// Reads and checks the PEM files eventLog.tls names, once at start: the CA bundle and the client
// certificate must hold certificates, the key must open (with its passphrase when encrypted) and
// belong to the certificate. Whatever is wrong stops the start naming the setting and the file
// (SettingFileError, exit code 2) before any connection is tried; no message shows key material.
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { SettingFileError } from '../config/setting-file-error.js';
import type { Config } from '../config/schema.js';
import type { Secret } from '../config/secrets.js';

export const KAFKA_TLS_KEY_PASSPHRASE = 'KAFKA_TLS_KEY_PASSPHRASE';

type TlsSettings = Config['eventLog']['tls'];

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** node:tls options for the Kafka clients, from the files the settings name. */
export function kafkaTlsOptions(tls: TlsSettings, passphrase: Secret | undefined): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: tls.rejectUnauthorized };
  if (tls.caFile !== undefined) {
    options.ca = readCertificates('eventLog.tls.caFile', tls.caFile);
  }
  if (tls.certFile !== undefined && tls.keyFile !== undefined) {
    const cert = readCertificates('eventLog.tls.certFile', tls.certFile);
    const key = readText('eventLog.tls.keyFile', tls.keyFile);
    const opened = openKey(tls.keyFile, key, passphrase);
    if (!new X509Certificate(cert).checkPrivateKey(opened)) {
      throw new SettingFileError('eventLog.tls.keyFile', tls.keyFile, `does not hold the private key of the certificate in eventLog.tls.certFile (${tls.certFile})`);
    }
    options.cert = cert;
    options.key = key;
    if (passphrase) options.passphrase = passphrase.value();
  }
  if (tls.servername !== undefined) options.servername = tls.servername;
  return options;
}

function readText(setting: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new SettingFileError(setting, file, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}

/** The file's PEM certificates (a chain or a CA bundle), each checked to parse. */
function readCertificates(setting: string, file: string): string {
  const text = readText(setting, file);
  const blocks = text.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) throw new SettingFileError(setting, file, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new SettingFileError(setting, file, `holds a certificate that does not parse (number ${index + 1}: ${(error as Error).message})`, { cause: error });
    }
  });
  return blocks.join('\n') + '\n';
}

function openKey(file: string, pem: string, passphrase: Secret | undefined): KeyObject {
  const setting = 'eventLog.tls.keyFile';
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem);
  if (encrypted && !passphrase) {
    throw new SettingFileError(setting, file, `holds an encrypted key: set ${KAFKA_TLS_KEY_PASSPHRASE} or ${KAFKA_TLS_KEY_PASSPHRASE}_FILE`);
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem', ...(passphrase ? { passphrase: passphrase.value() } : {}) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ERR_OSSL_BAD_DECRYPT'
        ? `cannot be decrypted with ${KAFKA_TLS_KEY_PASSPHRASE}${passphrase?.source === 'file' ? '_FILE' : ''} (wrong passphrase?)`
        : `holds no usable PEM private key (${(error as Error).message})`;
    throw new SettingFileError(setting, file, reason, { cause: error });
  }
}
