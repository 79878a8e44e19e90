import { expect } from 'chai';
import { emptyIdWindow, ID_CHUNK, idWindowAdd, idWindowHas, idWindowOf, idWindowSize, type IdWindow } from '../../../runtime/kit/id-window.js';

const addAll = (w: IdWindow, ids: readonly string[], capacity: number) => ids.reduce((acc, id) => idWindowAdd(acc, id, capacity), w);
const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `id-${from + i}`);

describe('IdWindow', () => {
  it('holds at least the last capacity ids and forgets older ones a whole chunk at a time', () => {
    const w = addAll(emptyIdWindow, ids(0, 3_000), 1_000);
    expect(idWindowSize(w)).to.be.within(1_000, 1_000 + ID_CHUNK);
    expect(ids(2_000, 3_000).every((id) => idWindowHas(w, id))).to.equal(true);
    expect(idWindowHas(w, 'id-0')).to.equal(false);
    expect(idWindowHas(w, 'id-1500')).to.equal(false);
  });

  it('never changes the window it was given: an earlier state still answers as it did', () => {
    const before = addAll(emptyIdWindow, ids(0, 600), 10_000);
    const after = idWindowAdd(before, 'new', 10_000);
    expect([idWindowHas(before, 'new'), idWindowHas(after, 'new'), idWindowSize(before), idWindowSize(after)]).to.deep.equal([false, true, 600, 601]);
    // Full chunks are shared, not copied.
    expect(after.chunks[0]).to.equal(before.chunks[0]);
  });

  it('answers the same after a JSON round trip (a snapshot in Redis)', () => {
    const w = addAll(emptyIdWindow, ids(0, 700), 10_000);
    const restored = JSON.parse(JSON.stringify(w)) as IdWindow;
    expect(restored).to.deep.equal(w);
    expect(['id-0', 'id-300', 'id-699', 'id-700'].map((id) => idWindowHas(restored, id))).to.deep.equal([true, true, true, false]);
  });

  it('takes a flat list of ids (an older snapshot) oldest first', () => {
    const w = idWindowOf(ids(0, 600));
    expect([idWindowSize(w), w.chunks.length, idWindowHas(w, 'id-599')]).to.deep.equal([600, 3, true]);
    expect(idWindowHas(idWindowAdd(w, 'x', 300), 'id-0')).to.equal(false);
  });
});
