import { personName, type Person } from '../api.js';
import { PersonPicker } from './person-picker.js';

/** People picked as chips (× removes one) and a picker that adds one, never the same person twice. */
export function PeopleChips({ people, onChange, id, placeholder }: { people: Person[]; onChange: (people: Person[]) => void; id: string; placeholder: string }) {
  return (
    <div class="chips">
      {people.map((p) => (
        <span class="chip" key={p.id}>{personName(p)} <button type="button" aria-label={`remove ${personName(p)}`} onClick={() => onChange(people.filter((x) => x.id !== p.id))}>×</button></span>
      ))}
      <PersonPicker id={id} placeholder={placeholder} exclude={people.map((p) => p.id)} onPick={(p) => onChange(people.some((x) => x.id === p.id) ? people : [...people, p])} />
    </div>
  );
}

export type MatchMode = 'all' | 'any' | 'only';

/** How the picked people must be in a photo: all of them, any of them, or only them. */
export function MatchModes({ name, mode, onChange }: { name: string; mode: MatchMode; onChange: (mode: MatchMode) => void }) {
  return (
    <fieldset class="modes">
      {([['all', 'All of them'], ['any', 'Any of them'], ['only', 'Only them']] as const).map(([m, label]) => (
        <label class="check"><input type="radio" name={name} value={m} checked={mode === m} onChange={() => onChange(m)} /> {label}</label>
      ))}
    </fieldset>
  );
}
