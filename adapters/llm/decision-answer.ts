// The model's answer, checked at the boundary: the JSON object is taken out of whatever text came
// back (bare, inside prose, or in a ```json fence), validated with zod, and the direction checked
// against the actions that were offered. Nothing is clamped: a number out of range is a bad answer.
import { z } from 'zod';
import { LlmFailure, type LlmAction, type LlmDecision } from '../../runtime/ports/llm.js';

/** Longest reasoning accepted; a model that writes an essay is not following the prompt. */
export const MAX_REASONING_CHARS = 1000;

export const decisionAnswerSchema = z.object({
  direction: z.string().min(1),
  confidence: z.number().min(0).max(1),
  sizeFraction: z.number().min(0).max(1),
  reasoning: z.string().trim().min(1).max(MAX_REASONING_CHARS),
});

export type DecisionAnswer = z.infer<typeof decisionAnswerSchema>;

/** Parses and validates the model's text; throws LlmFailure 'invalid-answer' or 'disallowed-action'. */
export function parseDecision(text: string, allowedActions: readonly LlmAction[]): LlmDecision {
  const json = extractJsonObject(text);
  if (json === undefined) throw new LlmFailure('invalid-answer', `answer holds no JSON object: ${excerpt(text)}`);

  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new LlmFailure('invalid-answer', `answer is not valid JSON (${(error as Error).message}): ${excerpt(json)}`, { cause: error });
  }

  const parsed = decisionAnswerSchema.safeParse(raw);
  if (!parsed.success) {
    throw new LlmFailure('invalid-answer', `answer does not match the decision schema: ${describeIssues(parsed.error)}`, {
      cause: parsed.error,
    });
  }

  const { direction, confidence, sizeFraction, reasoning } = parsed.data;
  if (!isAllowed(direction, allowedActions)) {
    throw new LlmFailure(
      'disallowed-action',
      `answer chose direction ${JSON.stringify(direction)}, which is not among the allowed actions [${allowedActions.join(', ')}]`,
    );
  }
  return { direction, confidence, sizeFraction, reasoning };
}

function isAllowed(direction: string, allowed: readonly LlmAction[]): direction is LlmAction {
  return (allowed as readonly string[]).includes(direction);
}

/**
 * The first balanced `{...}` in the text, preferring the contents of a ``` fence when there is one.
 * An object that never closes is returned as it is, so JSON.parse reports what is wrong with it.
 */
export function extractJsonObject(text: string): string | undefined {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  const source = fenced?.[1]?.includes('{') ? fenced[1] : text;
  const start = source.indexOf('{');
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && --depth === 0) {
      return source.slice(start, i + 1);
    }
  }
  return source.slice(start);
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}...` : flat);
}
