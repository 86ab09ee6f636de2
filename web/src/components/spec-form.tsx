import { useState } from 'preact/hooks';
import type { Person } from '../api.js';
import { MatchModes, PeopleChips } from './people-chips.js';

export interface SpecInput {
  kind: 'photos' | 'count' | 'companions';
  people: string[];
  mode: 'all' | 'any' | 'only';
  takenFrom: string | null;
  takenTo: string | null;
  place: string | null;
}

/**
 * A question as a form: people, dates and place, as the query spec (src/annotate/query-spec.ts)
 * takes them. No LLM reads it: it works with the LLM off. People go in as `#id`, so names that
 * several people share are never a guess.
 */
export function SpecForm({ busy, onRun }: { busy: boolean; onRun: (spec: SpecInput) => void }) {
  const [kind, setKind] = useState<SpecInput['kind']>('photos');
  const [people, setPeople] = useState<Person[]>([]);
  const [mode, setMode] = useState<SpecInput['mode']>('all');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [place, setPlace] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    onRun({ kind, people: people.map((p) => `#${p.id}`), mode, takenFrom: from || null, takenTo: to || null, place: place.trim() || null });
  };
  return (
    <form class="card spec-form" id="spec-form" onSubmit={submit}>
      <label>Show
        <select id="spec-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as SpecInput['kind'])}>
          <option value="photos">photos</option>
          <option value="count">how many photos</option>
          <option value="companions">who appears most with one person</option>
        </select>
      </label>
      <PeopleChips id="spec-people" placeholder="With people (type a name)" people={people} onChange={setPeople} />
      <MatchModes name="spec-mode" mode={mode} onChange={setMode} />
      <label>From <input type="date" id="spec-from" value={from} onInput={(e) => setFrom(e.currentTarget.value)} /></label>
      <label>To <input type="date" id="spec-to" value={to} onInput={(e) => setTo(e.currentTarget.value)} /></label>
      <label>Place <input type="text" id="spec-place" placeholder="part of an event's place" value={place} onInput={(e) => setPlace(e.currentTarget.value)} /></label>
      <button type="submit" class="primary" id="spec-run" disabled={busy}>Show</button>
    </form>
  );
}
