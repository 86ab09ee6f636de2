import { useCallback, useEffect, useState } from 'preact/hooks';
import { get, qs, type Page, type Person, type Photo } from '../api.js';
import { Sentinel, usePaged } from '../components/paged.js';
import { MatchModes, PeopleChips } from '../components/people-chips.js';
import { toastError } from '../toast.js';
import { PhotoGrid } from './person-page.js';

type Mode = 'all' | 'any' | 'only';

/** Photos by people (all of them / any of them / only them) and by date taken. */
export function SearchPage({ initialPeople }: { initialPeople: number[] }) {
  const [people, setPeople] = useState<Person[]>([]);
  const [mode, setMode] = useState<Mode>('all');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  useEffect(() => {
    Promise.all(initialPeople.map((id) => get<Person>(`/api/people/${id}`))).then(setPeople, toastError);
  }, [initialPeople.join(',')]);
  const key = JSON.stringify([people.map((p) => p.id), mode, from, to]);
  const fetchPage = useCallback((offset: number, limit: number) =>
    get<Page<Photo>>(`/api/photos${qs({ people: people.map((p) => p.id).join(','), mode, from, to, offset, limit })}`), [key]);
  const photos = usePaged(fetchPage, key);
  return (
    <section>
      <header class="page-head"><h1>Search photos {photos.total !== null && <small>{photos.total} found</small>}</h1></header>
      <div class="card search-form">
        <PeopleChips id="search-picker" placeholder="Add a person" people={people} onChange={setPeople} />
        <MatchModes name="mode" mode={mode} onChange={setMode} />
        <label>From <input type="date" id="search-from" value={from} onInput={(e) => setFrom(e.currentTarget.value)} /></label>
        <label>To <input type="date" id="search-to" value={to} onInput={(e) => setTo(e.currentTarget.value)} /></label>
      </div>
      <PhotoGrid photos={photos.items} />
      {photos.total === 0 && <p class="empty-state">No photo matches.</p>}
      <Sentinel active={photos.more} onVisible={photos.loadMore} />
    </section>
  );
}
