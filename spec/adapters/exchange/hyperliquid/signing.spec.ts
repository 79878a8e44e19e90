import { expect } from 'chai';
import { Wallet } from 'ethers';
import { SigningInputError, actionHash, phantomAgent, signL1Action } from '../../../../adapters/exchange/hyperliquid/signing.js';
import {
  ClientOrderIdError,
  WireFormatError,
  clientOrderIdOf,
  cloidOf,
  floatToWire,
  formatPrice,
  formatSize,
  orderAction,
  orderWire,
} from '../../../../adapters/exchange/hyperliquid/wire.js';
import { clientOrderId } from '../../../../actors/execution/client-order-id.js';

// Known answers from hyperliquid-python-sdk tests/signing_test.py (see shared/reference/exchange-signing.md).
const KEY = '0x0123456789012345678901234567890123456789012345678901234567890123';
const wallet = new Wallet(KEY);

function expectSignature(actual: { r: string; s: string; v: number }, expected: { r: string; s: string; v: number }): void {
  // The reference drops leading zeros, so r and s are compared as integers.
  expect({ r: BigInt(actual.r), s: BigInt(actual.s), v: actual.v }).to.deep.equal({ r: BigInt(expected.r), s: BigInt(expected.s), v: expected.v });
}

describe('Hyperliquid signing', () => {
  it('derives the reference address from the reference key', () => {
    expect(wallet.address).to.equal('0x14791697260E4c9A71f18484C9f997B308e59325');
  });

  it('hashes an order action into the reference phantom agent connection id', () => {
    const action = orderAction([orderWire({ asset: 4, isBuy: true, price: 1670.1, size: 0.0147, reduceOnly: false, tif: 'Ioc' })]);
    const agent = phantomAgent(actionHash(action, null, 1677777606040), true);
    expect(agent).to.deep.equal({ source: 'a', connectionId: '0x0fcbeda5ae3c4950a548021552a4fea2226858c4453571bf3f24ba017eac2908' });
  });

  it('signs the dummy action with the reference signatures on mainnet and testnet', async () => {
    const action = { type: 'dummy', num: 100000000000 };
    expectSignature(await signL1Action(wallet, action, null, 0, undefined, true), {
      r: '0x53749d5b30552aeb2fca34b530185976545bb22d0b3ce6f62e31be961a59298',
      s: '0x755c40ba9bf05223521753995abb2f73ab3229be8ec921f350cb447e384d8ed8',
      v: 27,
    });
    expectSignature(await signL1Action(wallet, action, null, 0, undefined, false), {
      r: '0x542af61ef1f429707e3c76c5293c80d01f74ef853e34b76efffcb57e574f9510',
      s: '0x17b8b32f086e8cdede991f1e2c529f5dd5297cbe8128500e00cbaf766204a613',
      v: 28,
    });
  });

  it('signs the GTC order action with the reference signatures on mainnet and testnet', async () => {
    const action = orderAction([orderWire({ asset: 1, isBuy: true, price: 100, size: 100, reduceOnly: false, tif: 'Gtc' })]);
    expect(JSON.stringify(action)).to.equal('{"type":"order","orders":[{"a":1,"b":true,"p":"100","s":"100","r":false,"t":{"limit":{"tif":"Gtc"}}}],"grouping":"na"}');
    expectSignature(await signL1Action(wallet, action, null, 0, undefined, true), {
      r: '0xd65369825a9df5d80099e513cce430311d7d26ddf477f5b3a33d2806b100d78e',
      s: '0x2b54116ff64054968aa237c20ca9ff68000f977c93289157748a3162b6ea940e',
      v: 28,
    });
    expectSignature(await signL1Action(wallet, action, null, 0, undefined, false), {
      r: '0x82b2ba28e76b3d761093aaded1b1cdad4960b3af30212b343fb2e6cdfa4e3d54',
      s: '0x6b53878fc99d26047f4d7e8c90eb98955a109f44209163f52d8dc4278cbbd9f5',
      v: 27,
    });
  });

  it('leaves undefined keys out of the hash instead of encoding them as nil', () => {
    const withUndefined = { type: 'order', orders: [{ a: 1, c: undefined }], grouping: 'na' };
    const without = { type: 'order', orders: [{ a: 1 }], grouping: 'na' };
    expect(actionHash(withUndefined, null, 7)).to.equal(actionHash(without, null, 7));
  });

  it('puts the vault address and the expiry into the hash', () => {
    const action = { type: 'dummy', num: 1 };
    const plain = actionHash(action, null, 1);
    const vault = actionHash(action, '0x1719884eb866cb12b2287399b15f7db5e7d775ea', 1);
    const expiring = actionHash(action, null, 1, 1_700_000_000_000);
    expect(new Set([plain, vault, expiring]).size).to.equal(3);
  });

  it('refuses a nonce that is not a non-negative safe integer and a malformed vault address', () => {
    expect(() => actionHash({}, null, -1)).to.throw(SigningInputError, /nonce/);
    expect(() => actionHash({}, null, 1.5)).to.throw(SigningInputError, /nonce/);
    expect(() => actionHash({}, '0x1234', 1)).to.throw(SigningInputError, /vault address/);
  });
});

describe('Hyperliquid wire numbers', () => {
  it('writes floats with at most 8 decimals and no trailing zeros', () => {
    expect(floatToWire(100)).to.equal('100');
    expect(floatToWire(0.3)).to.equal('0.3');
    expect(floatToWire(1670.1)).to.equal('1670.1');
    expect(floatToWire(0.0147)).to.equal('0.0147');
    expect(floatToWire(0.00000001)).to.equal('0.00000001');
    expect(floatToWire(1234.56789012)).to.equal('1234.56789012');
    expect(floatToWire(-2.5)).to.equal('-2.5');
  });

  it('writes negative zero (and what rounds to it) as 0', () => {
    expect(floatToWire(-0)).to.equal('0');
    expect(floatToWire(0)).to.equal('0');
    expect(floatToWire(-1e-13)).to.equal('0');
  });

  it('rejects a float that 8 decimals would change', () => {
    expect(() => floatToWire(0.123456789)).to.throw(WireFormatError, /8 decimal/);
    expect(() => floatToWire(1e-9)).to.throw(WireFormatError);
    expect(() => floatToWire(Number.NaN)).to.throw(WireFormatError);
    expect(() => floatToWire(Number.POSITIVE_INFINITY)).to.throw(WireFormatError);
  });

  it('rounds prices to 5 significant figures', () => {
    expect(formatPrice(1670.123, 4)).to.equal('1670.1');
    expect(formatPrice(0.1234567, 0)).to.equal('0.12346');
    expect(formatPrice(3015.149, 4)).to.equal('3015.1');
    expect(formatPrice(99999.5, 0)).to.equal('100000');
  });

  it('caps price decimals at 6 - szDecimals on perps and 8 - szDecimals on spot', () => {
    expect(formatPrice(60123.456, 5)).to.equal('60123');
    expect(formatPrice(6012.3456, 5)).to.equal('6012.3');
    expect(formatPrice(1.23456, 5)).to.equal('1.2');
    expect(formatPrice(1.23456, 2)).to.equal('1.2346');
    expect(formatPrice(0.00123456, 2)).to.equal('0.0012');
    expect(formatPrice(0.00123456, 2, true)).to.equal('0.001235');
    expect(formatPrice(150.756, 2)).to.equal('150.76');
  });

  it('always allows integer prices, however many significant figures', () => {
    expect(formatPrice(123456, 5)).to.equal('123456');
    expect(formatPrice(60000, 5)).to.equal('60000');
    expect(formatPrice(123456.7, 5)).to.equal('123457');
  });

  it('rejects prices that are not positive finite numbers or round to zero', () => {
    expect(() => formatPrice(0, 2)).to.throw(WireFormatError, /invalid price/);
    expect(() => formatPrice(-1, 2)).to.throw(WireFormatError, /invalid price/);
    expect(() => formatPrice(Number.NaN, 2)).to.throw(WireFormatError, /invalid price/);
    expect(() => formatPrice(0.0000001, 5)).to.throw(WireFormatError, /rounds to 0/);
  });

  it('rounds sizes to szDecimals and rejects what rounds to zero', () => {
    expect(formatSize(0.0147, 4)).to.equal('0.0147');
    expect(formatSize(0.123456, 4)).to.equal('0.1235');
    expect(formatSize(1.999, 2)).to.equal('2');
    expect(formatSize(12.3, 0)).to.equal('12');
    expect(() => formatSize(0.00001, 4)).to.throw(WireFormatError, /rounds to 0/);
    expect(() => formatSize(-1, 4)).to.throw(WireFormatError, /invalid size/);
    expect(() => formatSize(1, 1.5)).to.throw(WireFormatError, /szDecimals/);
  });
});

describe('Hyperliquid order wire and cloids', () => {
  it('adds c only when a cloid is set, after the other keys', () => {
    const cloid = '0x' + 'ab'.repeat(16);
    const base = { asset: 0, isBuy: false, price: '60000', size: '0.001', reduceOnly: true, tif: 'Alo' as const };
    expect(Object.keys(orderWire(base))).to.deep.equal(['a', 'b', 'p', 's', 'r', 't']);
    expect(orderWire({ ...base, cloid })).to.deep.equal({ a: 0, b: false, p: '60000', s: '0.001', r: true, t: { limit: { tif: 'Alo' } }, c: cloid });
    expect(Object.keys(orderWire({ ...base, cloid }))).to.deep.equal(['a', 'b', 'p', 's', 'r', 't', 'c']);
  });

  it('maps our client order ids to cloids and back', () => {
    const id = clientOrderId('signal-1');
    const cloid = cloidOf(id);
    expect(cloid).to.match(/^0x[0-9a-f]{32}$/);
    expect(cloid.slice(2)).to.equal(id.slice(3));
    expect(clientOrderIdOf(cloid)).to.equal(id);
    expect(clientOrderIdOf(cloid.toUpperCase().replace('0X', '0x'))).to.equal(id);
  });

  it('refuses client order ids and cloids that do not map both ways', () => {
    expect(() => cloidOf('my-order-1')).to.throw(ClientOrderIdError, /no Hyperliquid cloid/);
    expect(() => cloidOf('rg-' + 'A'.repeat(32))).to.throw(ClientOrderIdError);
    expect(() => cloidOf('rg-' + 'a'.repeat(31))).to.throw(ClientOrderIdError);
    expect(() => clientOrderIdOf('0x1234')).to.throw(ClientOrderIdError);
  });
});
