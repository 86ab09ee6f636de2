import { useEffect, useState } from 'preact/hooks';
import { get, post, previewUrl } from '../api.js';
import { toast, toastError } from '../toast.js';
import type { LlmStatus } from './ask-page.js';

interface Suggestion {
  id: number;
  kind: 'event' | 'name' | 'caption';
  payload: Record<string, unknown>;
  evidence: string[];
  model: string | null;
  status: string;
  createdAt: string;
}

function SuggestionCard({ s, onDone }: { s: Suggestion; onDone: () => void }) {
  const p = s.payload;
  const field = s.kind === 'event' ? 'title' : s.kind === 'name' ? 'name' : 'caption';
  const [text, setText] = useState(String(p[field]));
  const decide = async (verb: 'accept' | 'reject') => {
    try {
      await post(`/api/suggestions/${s.id}/${verb}`, verb === 'reject' ? undefined : { [field]: text });
      toast(verb === 'accept' ? (s.kind === 'event' ? `Event "${text}" created` : s.kind === 'name' ? `Named "${text}"` : 'Caption kept') : 'Suggestion rejected');
      onDone();
    } catch (error) {
      toastError(error);
    }
  };
  return (
    <li class="card suggestion" data-suggestion-id={s.id}>
      <p class="meta">
        {s.kind === 'event'
          ? <>Event · {(p.photoIds as number[]).length} photos · {String(p.startAt).slice(0, 10)} to {String(p.endAt).slice(0, 10)}{p.type ? ` · ${p.type}` : ''}{p.placeName ? ` · ${p.placeName}` : ''}</>
          : s.kind === 'name'
            ? <>Name for <a href={`#/people/${p.personId}`}>Person {String(p.personId)}</a>{p.existingPersonId ? <> · <a href={`#/people/${p.existingPersonId}`}>someone</a> already has this name: merge them after?</> : null}</>
            : <>Caption for <a href={`#/photos/${p.photoId}`}>photo {String(p.photoId)}</a> · {((p.labels as string[] | undefined) ?? []).join(', ')}</>}
        {' · '}{s.model ? `suggested by ${s.model}` : 'titled by date (LLM off)'}
      </p>
      {s.kind === 'caption' && <img class="thumb" src={previewUrl(Number(p.photoId), 320)} alt="" style="max-width:240px" />}
      {typeof p.warning === 'string' && <p class="error">⚠ {p.warning}</p>}
      <div class="inline">
        <input aria-label={field} value={text} onInput={(e) => setText(e.currentTarget.value)} style="flex:1" />
        <button type="button" class="primary" onClick={() => void decide('accept')}>Accept</button>
        <button type="button" onClick={() => void decide('reject')}>Reject</button>
      </div>
      {s.evidence.length > 0 && (
        <details>
          <summary>Evidence ({s.evidence.length})</summary>
          <ul class="evidence">{s.evidence.map((e) => <li><q>{e}</q></li>)}</ul>
        </details>
      )}
    </li>
  );
}

/** Suggestions waiting for a person: nothing is an event or a name until accepted here. */
export function InboxPage() {
  const [llm, setLlm] = useState<LlmStatus | null>(null);
  const [items, setItems] = useState<Suggestion[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const load = () => get<{ items: Suggestion[] }>('/api/suggestions').then((r) => setItems(r.items), toastError);
  useEffect(() => {
    void get<LlmStatus>('/api/llm').then(setLlm, toastError);
    void load();
  }, []);
  const suggest = async (what: 'events' | 'names' | 'captions') => {
    setBusy(what);
    try {
      const r = await post<{ created: unknown[]; errors: string[]; discarded?: unknown[] }>(`/api/suggestions/${what}`, {});
      toast(`${r.created.length} new ${what.slice(0, -1)} suggestions${r.errors.length ? `; ${r.errors.length} failed` : ''}`);
      await load();
    } catch (error) {
      toastError(error);
    } finally {
      setBusy(null);
    }
  };
  return (
    <section>
      <header class="page-head">
        <h1>Suggestions {items && <small>{items.length} waiting</small>}</h1>
        <div class="controls">
          <button type="button" id="suggest-events" disabled={busy !== null} onClick={() => void suggest('events')}>{busy === 'events' ? 'Grouping…' : 'Suggest events'}</button>
          <button type="button" id="suggest-names" disabled={busy !== null || llm?.enabled === false} onClick={() => void suggest('names')}>{busy === 'names' ? 'Reading evidence…' : 'Suggest names'}</button>
          <button type="button" id="suggest-captions" title="Sends photos (512 px) to a vision-capable model" disabled={busy !== null || llm?.enabled === false} onClick={() => void suggest('captions')}>{busy === 'captions' ? 'Looking…' : 'Suggest captions'}</button>
        </div>
      </header>
      {llm && !llm.enabled && <p class="card notice">The LLM is off: events are titled by their dates, and names cannot be suggested. Set <code>FACETAG_LLM_URL</code> to turn it on.</p>}
      {items?.length === 0 && <p class="empty-state">Nothing waiting.</p>}
      <ul class="grid" id="inbox">{items?.map((s) => <SuggestionCard key={s.id} s={s} onDone={() => void load()} />)}</ul>
    </section>
  );
}
