// A start-up check of the TLS settings against the seed brokers. kafkajs retries a refused TLS
// handshake like an unreachable broker (about 40 s with the default backoff) before it gives up;
// this check opens one TLS connection with the same options and asks ApiVersions (which a broker
// answers before SASL), so a certificate Regent does not trust, a certificate for another host or a
// client certificate the broker wants stops the start at once, saying which. A broker that does not
// answer is left to the normal connect path (an outage is waited out, not a TLS problem).
import { isIP } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';

/** A broker refused the TLS settings (or they refused the broker). */
export class KafkaTlsError extends Error {
  override readonly name = 'KafkaTlsError';
  constructor(
    /** host:port */
    readonly broker: string,
    /** Node's error code, e.g. SELF_SIGNED_CERT_IN_CHAIN. */
    readonly code: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const NOT_FOR_HOST = new Set(['ERR_TLS_CERT_ALTNAME_INVALID']);
const CLIENT_CERTIFICATE = /CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN/;
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/** An ApiVersions v0 request (correlation id 1): every Kafka broker answers it, before authentication too. */
function apiVersionsRequest(clientId: string): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const body = Buffer.alloc(10 + id.length);
  body.writeInt16BE(18, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(1, 4);
  body.writeInt16BE(id.length, 8);
  id.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

type Outcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly tls: boolean; readonly secured: boolean; readonly error?: NodeJS.ErrnoException };

function tryBroker(address: string, tls: ConnectionOptions, timeoutMs: number): Promise<Outcome> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    let connected = false;
    let secured = false;
    const socket = connect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...tls });
    const finish = (outcome: Outcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ ok: false, tls: false, secured }), timeoutMs);
    socket.once('connect', () => (connected = true));
    socket.once('secureConnect', () => {
      secured = true;
      socket.write(apiVersionsRequest('regent-tls-check'));
    });
    socket.once('data', () => finish({ ok: true }));
    // After the TCP connect, an error is the handshake's (or the broker's alert about it).
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ ok: false, tls: connected, secured, error }));
    socket.once('close', () => finish({ ok: false, tls: false, secured }));
  });
}

function explain(address: string, error: NodeJS.ErrnoException, secured: boolean): KafkaTlsError {
  const code = error.code;
  const reason = error.message.split('\n')[0]!;
  let message: string;
  if (code !== undefined && NOT_FOR_HOST.has(code)) {
    message = `Kafka broker ${address}: its certificate is not for this host: ${reason} (eventLog.tls.servername names the host to check it against)`;
  } else if (code !== undefined && CLIENT_CERTIFICATE.test(code)) {
    message = `Kafka broker ${address} requires a client certificate signed by a CA it trusts (${code}; eventLog.tls.certFile, eventLog.tls.keyFile)`;
  } else if ((code !== undefined && NOT_TLS.has(code)) || (code === 'ECONNRESET' && !secured)) {
    message = `Kafka broker ${address} closed the connection during the TLS handshake (${reason}): does it listen with TLS on this port? (eventLog.tls.enabled is true)`;
  } else if (code !== undefined && /CERT|SIGNATURE|ISSUER/.test(code)) {
    message = `Kafka broker ${address}: its certificate is not trusted: ${reason} (eventLog.tls.caFile names the CA that signed it)`;
  } else {
    message = `Kafka broker ${address}: TLS handshake failed: ${reason}`;
  }
  return new KafkaTlsError(address, code, message, { cause: error });
}

/**
 * Resolves once a seed broker completed a TLS handshake and answered, or when none could be reached
 * (that is for the normal connect path to report); throws KafkaTlsError when the handshake failed.
 */
export async function checkKafkaTls(brokers: readonly string[], tls: ConnectionOptions, timeoutMs = 5000): Promise<void> {
  for (const address of brokers) {
    const outcome = await tryBroker(address, tls, timeoutMs);
    if (outcome.ok) return;
    if (outcome.tls && outcome.error) throw explain(address, outcome.error, outcome.secured);
  }
}
