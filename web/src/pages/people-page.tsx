import { useCallback, useEffect, useState } from 'preact/hooks';
import { get, personName, qs, type Page, type Person } from '../api.js';
import { Sentinel, usePaged } from '../components/paged.js';
import { Thumb } from '../components/thumb.js';

type Sort = 'faces' | 'name' | 'newest';
type Hidden = 'exclude' | 'include' | 'only';

/** The people grid: best face, name, face count; search, sort, unnamed first, hidden filter. */
export function PeoplePage() {
  const [search, setSearch] = useState('');
  const [debounced, setDebounced] = useState('');
  const [sort, setSort] = useState<Sort>('faces');
  const [unnamedFirst, setUnnamedFirst] = useState(false);
  const [hidden, setHidden] = useState<Hidden>('exclude');
  useEffect(() => {
    const t = setTimeout(() => setDebounced(search.trim()), 200);
    return () => clearTimeout(t);
  }, [search]);
  const key = JSON.stringify([debounced, sort, unnamedFirst, hidden]);
  const fetchPage = useCallback((offset: number, limit: number) =>
    get<Page<Person>>(`/api/people${qs({ search: debounced, sort, unnamedFirst, hidden, limit, offset })}`), [key]);
  const people = usePaged(fetchPage, key);
  return (
    <section>
      <header class="page-head">
        <h1>People {people.total !== null && <small>{people.total}</small>}</h1>
        <div class="controls">
          <input type="search" id="people-search" placeholder="Search by name" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
          <label>Sort <select id="people-sort" value={sort} onChange={(e) => setSort(e.currentTarget.value as Sort)}>
            <option value="faces">Most faces</option><option value="name">Name</option><option value="newest">Newest</option>
          </select></label>
          <label class="check"><input type="checkbox" id="people-unnamed" checked={unnamedFirst} onChange={(e) => setUnnamedFirst(e.currentTarget.checked)} /> Unnamed first</label>
          <label>Show <select id="people-hidden" value={hidden} onChange={(e) => setHidden(e.currentTarget.value as Hidden)}>
            <option value="exclude">Visible</option><option value="include">All</option><option value="only">Hidden only</option>
          </select></label>
        </div>
      </header>
      {people.total === 0 && <p class="empty-state">No people{debounced ? ` match “${debounced}”` : ' yet: index a folder first'}.</p>}
      <ul class="grid people-grid">
        {people.items.map((p) => (
          <li key={p.id} class={`person-card${p.hidden ? ' hidden-person' : ''}`} data-person-id={p.id}>
            <a href={`#/people/${p.id}`}>
              <Thumb faceId={p.coverFaceId} size={160} alt={personName(p)} />
              <span class={`name${p.name ? '' : ' unnamed'}`}>{p.name ?? 'Unnamed'}</span>
              <small>{p.faceCount} {p.faceCount === 1 ? 'face' : 'faces'}{p.hidden ? ' · hidden' : ''}</small>
            </a>
          </li>
        ))}
      </ul>
      <Sentinel active={people.more} onVisible={people.loadMore} />
    </section>
  );
}
