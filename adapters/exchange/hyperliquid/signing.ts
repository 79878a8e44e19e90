// Hyperliquid L1 action signing: an action is msgpack-encoded (key order matters), hashed with the
// nonce and vault into a connection id, and that id is signed as an EIP-712 "phantom agent".
// Checked against the Python SDK's known-answer vectors in the spec.
import { encode } from '@msgpack/msgpack';
import { Signature, concat, getBytes, isAddress, keccak256, type TypedDataDomain, type TypedDataField } from 'ethers';

export const L1_DOMAIN: TypedDataDomain = {
  name: 'Exchange',
  version: '1',
  chainId: 1337,
  verifyingContract: '0x0000000000000000000000000000000000000000',
};

export const AGENT_TYPES: Record<string, TypedDataField[]> = {
  Agent: [
    { name: 'source', type: 'string' },
    { name: 'connectionId', type: 'bytes32' },
  ],
};

export interface PhantomAgent {
  readonly source: 'a' | 'b';
  readonly connectionId: string;
}

export interface L1Signature {
  readonly r: string;
  readonly s: string;
  readonly v: number;
}

/** Anything that signs EIP-712 typed data the way an ethers v6 Wallet does. */
export interface TypedDataSigner {
  signTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): Promise<string>;
}

/** The inputs of an action hash are not what the venue accepts (bad nonce, vault address, expiry). */
export class SigningInputError extends Error {
  override readonly name = 'SigningInputError';
}

function u64(value: number, what: string): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new SigningInputError(`${what} must be a non-negative safe integer, got ${value}`);
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value));
  return bytes;
}

/** keccak256(msgpack(action) || nonce u64 BE || vault flag [|| vault] [|| 0x00 || expiresAfter u64 BE]), as 0x hex. */
export function actionHash(action: unknown, vaultAddress: string | null, nonce: number, expiresAfter?: number): string {
  // ignoreUndefined: an absent optional field must be left out, not encoded as nil.
  const parts: Uint8Array[] = [encode(action, { ignoreUndefined: true }), u64(nonce, 'nonce')];
  if (vaultAddress === null) {
    parts.push(new Uint8Array([0]));
  } else {
    if (!isAddress(vaultAddress)) throw new SigningInputError(`vault address must be a 20-byte hex address, got ${JSON.stringify(vaultAddress)}`);
    parts.push(new Uint8Array([1]), getBytes(vaultAddress));
  }
  if (expiresAfter !== undefined) parts.push(new Uint8Array([0]), u64(expiresAfter, 'expiresAfter'));
  return keccak256(concat(parts));
}

export function phantomAgent(hash: string, isMainnet: boolean): PhantomAgent {
  return { source: isMainnet ? 'a' : 'b', connectionId: hash };
}

export async function signL1Action(
  signer: TypedDataSigner,
  action: unknown,
  vaultAddress: string | null,
  nonce: number,
  expiresAfter: number | undefined,
  isMainnet: boolean,
): Promise<L1Signature> {
  const agent = phantomAgent(actionHash(action, vaultAddress, nonce, expiresAfter), isMainnet);
  const signature = Signature.from(await signer.signTypedData(L1_DOMAIN, AGENT_TYPES, { ...agent }));
  return { r: signature.r, s: signature.s, v: signature.v };
}
