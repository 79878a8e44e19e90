// Field names whose values never reach a log line: pino `redact` paths for secret-looking fields at
// the top level and one level down, plus request headers two levels down (`req.headers.x`). `token`
// is NOT here: in Regent it names the traded asset. Nor is bare `key`: logs use it for actor and
// cache keys. A Secret object redacts itself; these paths catch a secret copied out as a string.

/** Field names that hold credentials. */
export const SECRET_FIELDS: readonly string[] = [
  'apiKey',
  'api_key',
  'apikey',
  'apiSecret',
  'api_secret',
  'secret',
  'secretKey',
  'secret_key',
  'privateKey',
  'private_key',
  'password',
  'passphrase',
  'mnemonic',
  'authorization',
  'Authorization',
  'x-api-key',
  'X-API-Key',
  'x-mbx-apikey',
  'X-MBX-APIKEY',
];

const HEADER_FIELDS: readonly string[] = ['authorization', 'Authorization', 'x-api-key', 'X-API-Key', 'x-mbx-apikey', 'X-MBX-APIKEY'];

/** pino path syntax: dotted for identifiers, bracketed for names such as `x-api-key`. */
function member(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

const topLevel = (name: string): string => member(name).replace(/^\./, '');

export const REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELDS.map(topLevel),
  ...SECRET_FIELDS.map((name) => `*${member(name)}`),
  ...HEADER_FIELDS.map((name) => `*.headers${member(name)}`),
];
