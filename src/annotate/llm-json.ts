import type { z } from 'zod/v4';
import { AppError } from '../errors.js';
import type { ChatMessage, ChatOptions, LlmClient } from './llm-client.js';

/** The JSON object in a model's answer: the whole answer, a ```json fence, or the outermost braces. */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text)?.[1];
  const candidates = [text.trim(), fenced?.trim()];
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start >= 0 && end > start) candidates.push(text.slice(start, end + 1));
  for (const c of candidates) {
    if (!c) continue;
    try {
      return JSON.parse(c);
    } catch {
      // try the next reading
    }
  }
  throw new Error('the answer holds no JSON object');
}

const describeIssues = (error: z.ZodError) =>
  error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');

function check<S extends z.ZodType>(schema: S, text: string): { ok: true; value: z.output<S> } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = extractJson(text);
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  const r = schema.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: describeIssues(r.error) };
}

/**
 * Asks for a JSON answer and validates it with `schema`. An answer that is not JSON or breaks
 * the schema is sent back ONCE with the validation error; a second bad answer is reported as
 * LLM_BAD_OUTPUT with both errors. Nothing the model says is used unless it parses.
 */
export async function askJson<S extends z.ZodType>(
  llm: LlmClient,
  messages: ChatMessage[],
  schema: S,
  options: ChatOptions = {},
): Promise<{ value: z.output<S>; model: string; attempts: number }> {
  const first = await llm.chat(messages, options);
  const a = check(schema, first.text);
  if (a.ok) return { value: a.value, model: first.model, attempts: 1 };
  const second = await llm.chat([
    ...messages,
    { role: 'assistant', content: first.text.slice(0, 4000) },
    { role: 'user', content: `That answer is not valid: ${a.error}. Answer again with only the JSON object, following the format exactly.` },
  ], options);
  const b = check(schema, second.text);
  if (b.ok) return { value: b.value, model: second.model, attempts: 2 };
  throw new AppError('LLM_BAD_OUTPUT', `the LLM (${second.model}) answered twice with output that breaks the expected format (${a.error}; then ${b.error}); try again, or use a larger model (llm.model)`);
}
