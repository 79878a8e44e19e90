// Throwaway TLS material for specs, made with the openssl CLI in a temp dir: a self-signed CA, a
// broker certificate it signs (for 127.0.0.1, localhost and kafka.test), a client certificate it
// signs (also with its key encrypted under a passphrase), and a second, unrelated CA to distrust
// the broker with. Paths and PEM texts both; remove() deletes the dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PemFile {
  readonly path: string;
  readonly pem: string;
}

export interface TestCertificates {
  readonly dir: string;
  readonly ca: PemFile;
  readonly otherCa: PemFile;
  readonly brokerCert: PemFile;
  readonly brokerKey: PemFile;
  readonly clientCert: PemFile;
  readonly clientKey: PemFile;
  /** clientKey encrypted (AES-256) with `clientKeyPassphrase`. */
  readonly encryptedClientKey: PemFile;
  readonly clientKeyPassphrase: string;
  remove(): void;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'regent-tls-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const ca = (name: string, subject: string) =>
      openssl('req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', subject,
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    ca('ca', '/CN=Regent Test CA');
    ca('other-ca', '/CN=Some Other CA');
    const signed = (name: string, subject: string, extensions: string) => {
      openssl('req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      writeFileSync(at(`${name}.ext`), extensions);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
    };
    signed('broker', '/CN=kafka.test', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kafka.test\nextendedKeyUsage=serverAuth\n');
    signed('client', '/CN=regent', 'extendedKeyUsage=clientAuth\n');
    const passphrase = 'client key passphrase 7c1e';
    openssl('pkey', '-in', 'client.key', '-aes256', '-passout', `pass:${passphrase}`, '-out', 'client-encrypted.key');
    const file = (name: string): PemFile => ({ path: at(name), pem: readFileSync(at(name), 'utf8') });
    return {
      dir,
      ca: file('ca.crt'),
      otherCa: file('other-ca.crt'),
      brokerCert: file('broker.crt'),
      brokerKey: file('broker.key'),
      clientCert: file('client.crt'),
      clientKey: file('client.key'),
      encryptedClientKey: file('client-encrypted.key'),
      clientKeyPassphrase: passphrase,
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The base64 body of a PEM block (what would show if the key leaked into a log, in any line wrapping). */
export function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}
