import { expect } from 'chai';
import { extractJsonObject, parseDecision } from '../../../adapters/llm/decision-answer.js';
import { LlmFailure, type LlmAction, type LlmFailureKind } from '../../../runtime/ports/llm.js';

const ALL: readonly LlmAction[] = ['buy', 'sell', 'hold'];
const VALID = { direction: 'buy', confidence: 0.8, sizeFraction: 0.25, reasoning: 'RSI turning up above the SMA' };

function failureOf(fn: () => unknown): LlmFailure {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(LlmFailure);
    return error as LlmFailure;
  }
  expect.fail('expected an LlmFailure, nothing was thrown');
}

function expectFailure(text: string, kind: LlmFailureKind, message: RegExp, allowed = ALL): void {
  const failure = failureOf(() => parseDecision(text, allowed));
  expect(failure.kind, failure.message).to.equal(kind);
  expect(failure.message).to.match(message);
}

describe('parseDecision', () => {
  it('parses a bare JSON answer into a decision', () => {
    expect(parseDecision(JSON.stringify(VALID), ALL)).to.deep.equal(VALID);
  });

  it('finds the object inside surrounding prose', () => {
    const text = `Looking at the indicators, here is my call: ${JSON.stringify(VALID)} Let me know if you need more.`;
    expect(parseDecision(text, ALL)).to.deep.equal(VALID);
  });

  it('finds the object inside a ```json fence, even with braces in the prose around it', () => {
    const text = `Sure {as asked}:\n\`\`\`json\n${JSON.stringify(VALID, null, 2)}\n\`\`\`\nDone.`;
    expect(parseDecision(text, ALL)).to.deep.equal(VALID);
  });

  it('is not fooled by braces and quotes inside the reasoning string', () => {
    const answer = { ...VALID, reasoning: 'momentum {strong} and a "clean" break \\ up' };
    expect(parseDecision(`Answer: ${JSON.stringify(answer)}`, ALL)).to.deep.equal(answer);
  });

  it('drops fields the schema does not know', () => {
    expect(parseDecision(JSON.stringify({ ...VALID, extra: 1 }), ALL)).to.deep.equal(VALID);
  });

  it('rejects text without any JSON object as invalid-answer', () => {
    expectFailure('I would buy here.', 'invalid-answer', /no JSON object/);
  });

  it('rejects malformed JSON as invalid-answer, saying it is not valid JSON', () => {
    expectFailure('{"direction": "buy", confidence: 0.8}', 'invalid-answer', /not valid JSON/);
    expectFailure('{"direction": "buy", "confidence": 0.8', 'invalid-answer', /not valid JSON/);
  });

  it('rejects out-of-range numbers instead of clamping them', () => {
    expectFailure(JSON.stringify({ ...VALID, confidence: 1.5 }), 'invalid-answer', /confidence/);
    expectFailure(JSON.stringify({ ...VALID, sizeFraction: -0.1 }), 'invalid-answer', /sizeFraction/);
  });

  it('rejects a missing or empty reasoning and wrong types, naming the field', () => {
    const { reasoning: _, ...noReasoning } = VALID;
    expectFailure(JSON.stringify(noReasoning), 'invalid-answer', /reasoning/);
    expectFailure(JSON.stringify({ ...VALID, reasoning: '   ' }), 'invalid-answer', /reasoning/);
    expectFailure(JSON.stringify({ ...VALID, confidence: '0.8' }), 'invalid-answer', /confidence/);
  });

  it('rejects a direction that was not offered as disallowed-action, listing the allowed ones', () => {
    expectFailure(JSON.stringify({ ...VALID, direction: 'sell' }), 'disallowed-action', /"sell".*\[buy, hold\]/, ['buy', 'hold']);
    expectFailure(JSON.stringify({ ...VALID, direction: 'short' }), 'disallowed-action', /"short"/);
  });
});

describe('extractJsonObject', () => {
  it('returns the first balanced object, or undefined when there is none', () => {
    expect(extractJsonObject('a {"x": {"y": 1}} b {"z": 2}')).to.equal('{"x": {"y": 1}}');
    expect(extractJsonObject('nothing here')).to.equal(undefined);
  });
});
