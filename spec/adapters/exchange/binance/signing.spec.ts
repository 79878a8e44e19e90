import { expect } from 'chai';
import { buildSignedQuery, encodeQuery, signQuery, signWsParams } from '../../../../adapters/exchange/binance/signing.js';

// Known answers from binance/binance-spot-api-docs (rest-api.md "SIGNED Endpoint Examples for POST
// /api/v3/order", web-socket-api.md "SIGNED request example (HMAC)"): example secret, not a real key.
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const ORDER = { symbol: 'LTCBTC', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: 1, price: 0.1, recvWindow: 5000, timestamp: 1499827319559 };

describe('Binance signing', () => {
  it('signs the documented order query to the known answer', () => {
    const query = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
    expect(signQuery(SECRET, query)).to.equal('c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71');
  });

  it('builds the signed query in parameter order with the signature appended', () => {
    expect(buildSignedQuery(ORDER, SECRET)).to.equal(
      'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559' +
        '&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71',
    );
  });

  it('percent-encodes non-ASCII as UTF-8 before signing, matching the documented answer', () => {
    const query = buildSignedQuery({ ...ORDER, symbol: '１２３４５６' }, SECRET);
    expect(query).to.equal(
      'symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559' +
        '&signature=e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3',
    );
  });

  it('signs the query concatenated with the body', () => {
    const query = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC';
    const body = 'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
    expect(signQuery(SECRET, query, body)).to.equal(signQuery(SECRET, query + body));
    expect(signQuery(SECRET, query, body)).to.not.equal(signQuery(SECRET, query));
  });

  it('encodes reserved characters in values so they cannot split parameters', () => {
    expect(encodeQuery({ a: 'x&b=y', symbols: '["BTCUSDT"]' })).to.equal('a=x%26b%3Dy&symbols=%5B%22BTCUSDT%22%5D');
  });

  it('signs WebSocket API params sorted by name, unencoded, to the documented answers', () => {
    const params = { symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01000000', price: '52000.00', recvWindow: 100, timestamp: 1645423376532, apiKey: API_KEY };
    expect(signWsParams(params, SECRET)).to.equal('aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24');
    const nonAscii = { ...params, symbol: '１２３４５６', side: 'BUY', quantity: '1.00000000', price: '0.10000000', recvWindow: 5000 };
    expect(signWsParams(nonAscii, SECRET)).to.equal('b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd');
  });

  it('leaves an existing signature param out of the WebSocket payload', () => {
    const params = { apiKey: API_KEY, timestamp: 1 };
    expect(signWsParams({ ...params, signature: 'x' }, SECRET)).to.equal(signWsParams(params, SECRET));
  });
});
