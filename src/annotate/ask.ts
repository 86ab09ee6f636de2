import type { LlmClient } from './llm-client.js';
import { askJson } from './llm-json.js';
import { queryPrompt, querySpecSchema, type QuerySpec } from './query-spec.js';
import { runQuerySpec, type QueryAnswer, type QueryCatalog } from './run-query.js';

export interface AskAnswer extends QueryAnswer {
  question: string | null;
  /** The model that read the question; null when a spec was given directly. */
  model: string | null;
}

/**
 * A question in plain language: the LLM writes a query spec (validated, retried once when
 * malformed), facetag resolves and runs it. With `spec` instead, no LLM is involved: that is
 * how a person edits the interpretation, and how search works with the LLM off.
 */
export async function ask(
  { catalog, llm }: { catalog: QueryCatalog; llm: LlmClient },
  input: { question: string; today?: string } | { spec: QuerySpec },
): Promise<AskAnswer> {
  if ('spec' in input) return { question: null, model: null, ...(await runQuerySpec({ catalog }, input.spec)) };
  const today = input.today ?? new Date().toISOString().slice(0, 10);
  const { value, model } = await askJson(llm, queryPrompt(input.question, today), querySpecSchema, { maxTokens: 300 });
  return { question: input.question, model, ...(await runQuerySpec({ catalog }, value)) };
}
