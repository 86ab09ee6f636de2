import { useEffect, useState } from 'preact/hooks';
import { get, post, type Photo } from '../api.js';
import { toastError } from '../toast.js';
import { PhotoGrid } from './person-page.js';
import { SpecForm } from '../components/spec-form.js';

interface PersonRef { id: number; name: string | null }
interface NameResolution { query: string; status: 'resolved' | 'ambiguous' | 'unknown'; person?: PersonRef; candidates?: PersonRef[] }
interface AskAnswer {
  question: string | null;
  model: string | null;
  spec: Record<string, unknown> & { people: string[] };
  interpretation: string;
  status: 'ok' | 'unresolved';
  names: NameResolution[];
  result: null | { kind: 'photos'; total: number; photos: Photo[] } | { kind: 'count'; count: number }
    | { kind: 'companions'; person: PersonRef; companions: Array<{ personId: number; name: string | null; photos: number }> };
  notes: string[];
}
export interface LlmStatus { enabled: boolean; url: string | null; model: string | null }

const label = (p: PersonRef) => `${p.name ?? 'Person'} (#${p.id})`;

/**
 * Ask in plain language. The answer shows how the question was understood (the spec, in words
 * and as JSON that can be edited and run again without the LLM), then the results.
 */
export function AskPage() {
  const [llm, setLlm] = useState<LlmStatus | null>(null);
  const [question, setQuestion] = useState('');
  const [answer, setAnswer] = useState<AskAnswer | null>(null);
  const [specText, setSpecText] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => void get<LlmStatus>('/api/llm').then(setLlm, toastError), []);

  const run = async (body: { question: string } | { spec: unknown }) => {
    setBusy(true);
    try {
      const a = await post<AskAnswer>('/api/ask', body);
      setAnswer(a);
      setSpecText(JSON.stringify(a.spec, null, 2));
    } catch (error) {
      toastError(error);
    } finally {
      setBusy(false);
    }
  };
  const runSpec = (spec?: unknown) => {
    if (spec) return run({ spec });
    try {
      return run({ spec: JSON.parse(specText) });
    } catch {
      toastError(new Error('The spec is not valid JSON'));
    }
  };
  /** "Did you mean": put the candidate's id in place of the name and run again. */
  const pick = (query: string, p: PersonRef) => {
    if (!answer) return;
    void runSpec({ ...answer.spec, people: answer.spec.people.map((n) => (n === query ? `#${p.id}` : n)) });
  };

  return (
    <section>
      <header class="page-head"><h1>Ask</h1></header>
      {llm && !llm.enabled && (
        <p class="card notice" id="llm-off">The LLM is off, so questions in plain language cannot be read: build the question with the form below instead (people, dates, place), no LLM needed. To ask in words, set <code>FACETAG_LLM_URL</code> to an OpenAI-compatible server.</p>
      )}
      {llm?.enabled && (
        <form class="card inline" onSubmit={(e) => { e.preventDefault(); if (question.trim()) void run({ question }); }}>
          <input id="ask-input" type="search" style="flex:1" placeholder="photos of Anna with Ben from summer 2023" value={question}
            onInput={(e) => setQuestion(e.currentTarget.value)} />
          <button type="submit" class="primary" disabled={busy}>{busy ? 'Asking…' : 'Ask'}</button>
        </form>
      )}
      {llm && (llm.enabled ? (
        <details class="card"><summary>Or build the question (no LLM)</summary><SpecForm busy={busy} onRun={(spec) => void runSpec(spec)} /></details>
      ) : <SpecForm busy={busy} onRun={(spec) => void runSpec(spec)} />)}
      {answer && (
        <div class="card" id="ask-answer">
          <p><strong>Interpreted as:</strong> <span id="ask-interpretation">{answer.interpretation}</span>{answer.model && <small class="meta"> (read by {answer.model})</small>}</p>
          {answer.names.filter((n) => n.status !== 'resolved').map((n) => (
            <p class="error did-you-mean" key={n.query}>
              {n.status === 'ambiguous' ? `"${n.query}" is several people: ` : `"${n.query}" matches no one. `}
              {(n.candidates ?? []).length > 0 && <>Did you mean {(n.candidates ?? []).map((p) => <button type="button" class="link" onClick={() => pick(n.query, p)}>{label(p)}</button>)}?</>}
            </p>
          ))}
          {answer.notes.map((n) => <p class="hint">{n}</p>)}
          <details>
            <summary>Query spec (edit and run again, no LLM needed)</summary>
            <textarea id="ask-spec" rows={10} style="width:100%;font-family:monospace" value={specText} onInput={(e) => setSpecText(e.currentTarget.value)} />
            <button type="button" onClick={() => void runSpec()} disabled={busy}>Run this spec</button>
          </details>
        </div>
      )}
      {answer?.result?.kind === 'count' && <p class="card" id="ask-count">{answer.result.count} photos</p>}
      {answer?.result?.kind === 'companions' && (
        <ul class="co-list card" id="ask-companions">
          {answer.result.companions.length === 0 && <li>No one else appears with them yet.</li>}
          {answer.result.companions.map((c) => <li key={c.personId}><a href={`#/people/${c.personId}`}>{c.name ?? `Person ${c.personId}`}</a> · {c.photos} photos together</li>)}
        </ul>
      )}
      {answer?.result?.kind === 'photos' && (
        <>
          <p class="meta" id="ask-total">{answer.result.total} photos{answer.result.total > answer.result.photos.length ? `, the newest ${answer.result.photos.length} shown` : ''}</p>
          <PhotoGrid photos={answer.result.photos} />
        </>
      )}
    </section>
  );
}
