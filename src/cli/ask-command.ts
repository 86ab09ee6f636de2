import { parseArgs } from 'node:util';
import { ask, type AskAnswer } from '../annotate/ask.js';
import { createLlmClient } from '../annotate/llm-client.js';
import { querySpecSchema } from '../annotate/query-spec.js';
import { createContext } from '../context.js';
import { AppError } from '../errors.js';
import { printJson, printTable, type CliIo, type Command } from './io.js';

const HELP = `Usage: facetag ask "QUESTION" [--json] [--llm-url URL] [--llm-model MODEL]
       facetag ask --spec '{"kind":"photos","people":["Anna","Ben"],"takenFrom":"2023-06-01"}'

Asks a question about the library in plain language ("photos of Anna with Ben from summer
2023", "who appears most often with Grandma?"). The LLM turns it into a query spec, which
facetag checks, shows ("Interpreted as: ..."), and runs read-only. With --spec you give or
edit the spec yourself, and no LLM is needed. A name that matches no one, or several people,
stops the query with "did you mean" candidates (exit 65).

  --spec JSON        the query spec (kind photos|count|companions, people, mode all|any|only,
                     takenFrom, takenTo, place, event, limit) instead of a question
  --llm-url URL      OpenAI-compatible API base URL (env FACETAG_LLM_URL)
  --llm-model MODEL  model id (env FACETAG_LLM_MODEL)
  --json             the spec, interpretation, resolved names and results as JSON`;

/** The llm flags common to the annotate commands, in config shape. */
export const llmFlags = (values: { 'llm-url'?: string | boolean; 'llm-model'?: string | boolean }) => ({
  llm: {
    url: typeof values['llm-url'] === 'string' ? values['llm-url'] : undefined,
    model: typeof values['llm-model'] === 'string' ? values['llm-model'] : undefined,
  },
});

export const llmOptions = { 'llm-url': { type: 'string' }, 'llm-model': { type: 'string' } } as const;

function printAnswer(io: CliIo, a: AskAnswer) {
  io.stdout.write(`Interpreted as: ${a.interpretation}\n`);
  for (const n of a.names) {
    if (n.status === 'resolved') continue;
    const options = n.candidates.map((p) => `${p.name ?? 'Person'} (#${p.id})`).join(', ');
    io.stdout.write(n.status === 'ambiguous'
      ? `"${n.query}" is several people: ${options}. Ask again with the full name or #id.\n`
      : `"${n.query}" matches no one.${options ? ` Did you mean ${options}?` : ' Name them first with `facetag people name`.'}\n`);
  }
  for (const note of a.notes) io.stdout.write(`Note: ${note}\n`);
  const r = a.result;
  if (!r) return;
  if (r.kind === 'count') io.stdout.write(`${r.count} photo${r.count === 1 ? '' : 's'}\n`);
  if (r.kind === 'companions') {
    if (r.companions.length === 0) io.stdout.write('No one else appears with them yet.\n');
    else printTable(io, ['person', 'name', 'photos together'], r.companions.map((x) => [x.personId, x.name, x.photos]));
  }
  if (r.kind === 'photos') {
    io.stdout.write(`${r.total} photo${r.total === 1 ? '' : 's'}${r.total > r.photos.length ? `, the newest ${r.photos.length} shown` : ''}\n`);
    if (r.photos.length) printTable(io, ['photo', 'taken', 'faces', 'file'], r.photos.map((p) => [p.id, p.takenAt, p.faceCount, p.path]));
  }
}

export const askCommand: Command = async ({ args, io, config: load }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { json: { type: 'boolean' }, spec: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...llmOptions },
  });
  const question = positionals.join(' ').trim();
  if (values.help || (!question && !values.spec)) {
    io.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 64;
  }
  if (question && values.spec) throw new AppError('USAGE', 'give a question or --spec, not both');
  let input: Parameters<typeof ask>[1] = { question };
  if (values.spec) {
    let raw: unknown;
    try {
      raw = JSON.parse(values.spec);
    } catch {
      throw new AppError('USAGE', `--spec is not JSON: ${values.spec.slice(0, 80)}`);
    }
    const r = querySpecSchema.safeParse(raw);
    if (!r.success) throw new AppError('INVALID_INPUT', `--spec: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    input = { spec: r.data };
  }
  const ctx = await createContext(load(llmFlags(values)), 'cli');
  try {
    const llm = createLlmClient(ctx.config.llm, { log: ctx.log });
    const answer = await ask({ catalog: ctx.catalog, llm }, input);
    if (values.json) printJson(io, answer);
    else printAnswer(io, answer);
    return answer.status === 'ok' ? 0 : 65;
  } finally {
    await ctx.close();
  }
};
