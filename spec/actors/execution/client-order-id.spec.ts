import { expect } from 'chai';
import { clientOrderId } from '../../../actors/execution/client-order-id.js';

describe('client-order-id', () => {
  it('is the first 32 hex chars of sha256 of the JSON pair, prefixed rg-', () => {
    // echo -n '["sig-1","entry"]' | sha256sum -> 56c4fcd94708f4c0b1bd692e5dc967bb56ebbe63...
    expect(clientOrderId('sig-1')).to.equal('rg-56c4fcd94708f4c0b1bd692e5dc967bb');
    expect(clientOrderId('sig-1', 'entry')).to.equal(clientOrderId('sig-1'));
  });

  it('is the same on every call for the same signal and purpose', () => {
    expect(clientOrderId('3f1c-signal', 'force-close')).to.equal(clientOrderId('3f1c-signal', 'force-close'));
  });

  it('differs by purpose and by signal', () => {
    expect(clientOrderId('sig-1', 'force-close')).to.equal('rg-604f68c225e9f36314a4f78bc646b45c');
    expect(clientOrderId('sig-2')).to.not.equal(clientOrderId('sig-1'));
    expect(clientOrderId('a:b', 'c')).to.not.equal(clientOrderId('a', 'b:c'));
  });

  it('fits venue limits: at most 36 chars of [A-Za-z0-9-]', () => {
    const id = clientOrderId('x'.repeat(500), 'entry');
    expect(id.length).to.be.at.most(36);
    expect(id).to.match(/^rg-[A-Za-z0-9-]+$/);
  });
});
