import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, del, get, patch, personName, post, previewUrl, qs, type Face, type Merge, type Page, type Person, type Photo } from '../api.js';
import { Sentinel, usePaged } from '../components/paged.js';
import { PersonPicker } from '../components/person-picker.js';
import { Thumb } from '../components/thumb.js';
import { navigate } from '../router.js';
import { toast, toastError } from '../toast.js';

type Full = Person & { lastMerge: Merge | null };
type Tab = 'faces' | 'photos' | 'with' | 'suggested';

/** A person: faces (paged, selectable), photos, who they appear with, and every correction. */
export function PersonPage({ id }: { id: number }) {
  const [person, setPerson] = useState<Full | null>(null);
  const [missing, setMissing] = useState(false);
  const [name, setName] = useState('');
  const [tab, setTab] = useState<Tab>('faces');
  const [merging, setMerging] = useState(false);
  /** A merge refused because both people are in these photos: shown with the photos, to fix there. */
  const [conflict, setConflict] = useState<{ target: Person; photoIds: number[] } | null>(null);
  const [version, setVersion] = useState(0);
  const load = useCallback(async () => {
    try {
      const p = await get<Full>(`/api/people/${id}`);
      setPerson(p);
      setName(p.name ?? '');
      setMissing(false);
    } catch (error) {
      // A person who is gone is said on the page; any other failure is a message to read.
      if (error instanceof ApiError && error.status === 404) setMissing(true);
      else toastError(error);
    }
  }, [id]);
  useEffect(() => {
    setTab('faces');
    setMerging(false);
    setConflict(null);
    void load();
  }, [id]);
  const refresh = () => {
    void load();
    setVersion((v) => v + 1);
  };
  if (missing) return <p class="empty-state" id="person-missing">Person {id} does not exist: they were deleted, or the link is wrong. <a href="#/people">Back to people</a></p>;
  if (!person) return <p class="loading">Loading…</p>;

  const rename = async (e: Event) => {
    e.preventDefault();
    try {
      await patch(`/api/people/${id}`, { name: name.trim() || null });
      toast(name.trim() ? `Named “${name.trim()}”` : 'Name cleared');
      void load();
    } catch (error) {
      toastError(error);
    }
  };
  const undoMerge = async (mergeId: number, thenGo?: number) => {
    try {
      const m = await post<Merge>(`/api/merges/${mergeId}/undo`);
      toast(`Merge undone: person ${m.fromId} is back with ${m.faceCount} faces`);
      if (thenGo) navigate(`/people/${thenGo}`);
      else refresh();
    } catch (error) {
      toastError(error);
    }
  };
  const mergeInto = async (target: Person) => {
    if (!confirm(`Merge ${personName(person)} (${person.faceCount} faces) into ${personName(target)}?`)) return;
    try {
      const m = await post<Merge>('/api/merges', { intoId: target.id, fromId: id });
      setMerging(false);
      navigate(`/people/${target.id}`);
      toast(`Merged into ${personName(target)} (${m.faceCount} faces)`, { action: { label: 'Undo', run: () => void undoMerge(m.id, id) } });
    } catch (error) {
      const photoIds = error instanceof ApiError && error.code === 'CONFLICT' ? error.details.photoIds : undefined;
      if (Array.isArray(photoIds)) setConflict({ target, photoIds: photoIds as number[] });
      else toastError(error);
    }
  };
  const setHidden = async (hidden: boolean) => {
    await patch(`/api/people/${id}`, { hidden }).catch(toastError);
    void load();
  };
  const remove = async () => {
    if (!confirm(`Delete ${personName(person)} with all ${person.faceCount} faces? Their photos stay; this cannot be undone.`)) return;
    try {
      await del(`/api/people/${id}`);
      toast('Deleted');
      navigate('/people');
    } catch (error) {
      toastError(error);
    }
  };

  return (
    <section class="person-page">
      <header class="person-head">
        <Thumb faceId={person.coverFaceId} size={96} />
        <div class="person-title">
          <form onSubmit={rename} class="rename">
            <input id="person-name" value={name} placeholder="Name this person" onInput={(e) => setName(e.currentTarget.value)} aria-label="Name" />
            <button type="submit" class="primary" disabled={name.trim() === (person.name ?? '')}>Save name</button>
          </form>
          <p class="meta">Person {person.id} · {person.faceCount} faces{person.hidden ? ' · hidden' : ''}</p>
        </div>
        <div class="actions">
          <button type="button" id="merge-button" onClick={() => setMerging(!merging)}>Merge into…</button>
          {person.lastMerge && (
            <button type="button" id="undo-merge" onClick={() => void undoMerge(person.lastMerge!.id)}>
              Undo merge of {person.lastMerge.intoId === id ? `person ${person.lastMerge.fromId}` : `into ${person.lastMerge.intoId}`}
            </button>
          )}
          <button type="button" onClick={() => void setHidden(!person.hidden)}>{person.hidden ? 'Show' : 'Hide'}</button>
          <button type="button" class="danger" onClick={() => void remove()}>Delete</button>
        </div>
      </header>
      {merging && (
        <div class="card merge-box">
          <p>Merge <b>{personName(person)}</b> into:</p>
          <PersonPicker id="merge-picker" autoFocus exclude={[id]} onPick={(p) => { setConflict(null); void mergeInto(p); }} placeholder="Who is this really? Type a name" />
          {conflict && (
            <div class="review-warning" id="merge-conflict" role="alert">
              <p><b>{personName(person)}</b> and <b>{personName(conflict.target)}</b> are both in {conflict.photoIds.length === 1 ? 'this photo' : 'these photos'}, so they are two people. Open {conflict.photoIds.length === 1 ? 'it' : 'each'}, click the face that is wrong and pick who it really is; then merge again.</p>
              <ul class="conflict-photos">
                {conflict.photoIds.map((pid) => (
                  <li key={pid}><a href={`#/photos/${pid}`} data-photo-id={pid} title={`Open photo ${pid}`}><img src={previewUrl(pid, 320)} alt={`photo ${pid}`} /></a></li>
                ))}
              </ul>
              <button type="button" onClick={() => void mergeInto(conflict.target)}>Merge again</button>
            </div>
          )}
        </div>
      )}
      <nav class="tabs" role="tablist">
        {([['faces', `Faces (${person.faceCount})`], ['photos', 'Photos'], ['with', 'Appears with'], ['suggested', 'Suggestions']] as const).map(([t, label]) => (
          <button type="button" role="tab" aria-selected={tab === t} class={tab === t ? 'active' : ''} onClick={() => setTab(t)}>{label}</button>
        ))}
      </nav>
      {tab === 'faces' && <PersonFaces key={`${id}:${version}`} person={person} onChange={refresh} />}
      {tab === 'photos' && <PersonPhotos key={`${id}:${version}`} id={id} />}
      {tab === 'with' && <AppearsWith key={`${id}:${version}`} id={id} />}
      {tab === 'suggested' && <Suggested key={`${id}:${version}`} person={person} onChange={refresh} />}
    </section>
  );
}

function PersonFaces({ person, onChange }: { person: Person; onChange: () => void }) {
  const fetchPage = useCallback((offset: number, limit: number) => get<Page<Face>>(`/api/people/${person.id}/faces${qs({ offset, limit })}`), [person.id]);
  const faces = usePaged(fetchPage, String(person.id), 120);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const toggle = (fid: number) => setSelected((s) => {
    const n = new Set(s);
    if (n.has(fid)) n.delete(fid);
    else n.add(fid);
    return n;
  });
  const ids = [...selected];
  const act = async (what: 'split' | 'reject' | 'confirm') => {
    try {
      if (what === 'split') {
        const r = await post<{ personId: number }>(`/api/people/${person.id}/split`, { faceIds: ids });
        toast(`${ids.length} faces split off into a new person`, { action: { label: 'Open', run: () => navigate(`/people/${r.personId}`) } });
      } else if (what === 'reject') {
        await post(`/api/people/${person.id}/reject`, { faceIds: ids });
        toast(`${ids.length} faces rejected: they will not come back to ${personName(person)}`);
      } else {
        await post(`/api/people/${person.id}/confirm`, { faceIds: ids });
        toast(`${ids.length} faces confirmed`);
      }
      setSelected(new Set());
      onChange();
    } catch (error) {
      toastError(error);
    }
  };
  return (
    <div>
      <div class={`toolbar${ids.length ? ' visible' : ''}`}>
        <span>{ids.length} selected</span>
        <button type="button" id="confirm-faces" disabled={!ids.length} onClick={() => void act('confirm')}>Confirm</button>
        <button type="button" id="split-faces" disabled={!ids.length} onClick={() => void act('split')}>Split off as new person</button>
        <button type="button" id="reject-faces" class="danger" disabled={!ids.length} onClick={() => void act('reject')}>Not {personName(person)}</button>
        <button type="button" class="link" disabled={!ids.length} onClick={() => setSelected(new Set())}>Clear</button>
        <button type="button" class="link" onClick={() => setSelected(new Set(faces.items.map((f) => f.id)))}>Select all shown</button>
      </div>
      <ul class="grid face-grid">
        {faces.items.map((f) => (
          <li key={f.id} class={`face${selected.has(f.id) ? ' selected' : ''}`} data-face-id={f.id}>
            <button type="button" class="face-button" aria-pressed={selected.has(f.id)} onClick={() => toggle(f.id)} title={`face ${f.id}${f.distance !== null ? `, distance ${f.distance.toFixed(2)}` : ''}`}>
              <Thumb faceId={f.id} size={120} />
            </button>
            <span class={`badge ${f.source ?? ''}`}>{f.source === 'auto' ? 'auto' : f.source === 'manual' ? 'moved' : f.source}</span>
            <a class="photo-link" href={`#/photos/${f.photoId}`} title="Open the photo" aria-label="Open the photo">
              <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><rect x="1.5" y="3" width="13" height="10" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.5" /><circle cx="6" cy="7" r="1.5" fill="currentColor" /><path d="M3 12l3.5-3 2.5 2 2-1.5 2.5 2.5" fill="none" stroke="currentColor" stroke-width="1.2" /></svg>
            </a>
          </li>
        ))}
      </ul>
      <Sentinel active={faces.more} onVisible={faces.loadMore} />
    </div>
  );
}

export function PhotoGrid({ photos }: { photos: Photo[] }) {
  return (
    <ul class="grid photo-grid">
      {photos.map((p) => (
        <li key={p.id} data-photo-id={p.id}>
          <a href={`#/photos/${p.id}`}>
            <img src={previewUrl(p.id, 320)} loading="lazy" decoding="async" alt="" />
            <small>{p.takenAt ? p.takenAt.slice(0, 10) : 'no date'} · {p.faceCount} faces</small>
          </a>
        </li>
      ))}
    </ul>
  );
}

function PersonPhotos({ id }: { id: number }) {
  const fetchPage = useCallback((offset: number, limit: number) => get<Page<Photo>>(`/api/people/${id}/photos${qs({ offset, limit })}`), [id]);
  const photos = usePaged(fetchPage, String(id));
  return (
    <div>
      {photos.total !== null && <p class="meta">{photos.total} photos</p>}
      <PhotoGrid photos={photos.items} />
      <Sentinel active={photos.more} onVisible={photos.loadMore} />
    </div>
  );
}

function AppearsWith({ id }: { id: number }) {
  const [list, setList] = useState<Array<{ personId: number; name: string | null; photos: number }> | null>(null);
  useEffect(() => {
    get<typeof list>(`/api/people/${id}/co-occurrences?limit=24`).then(setList, toastError);
  }, [id]);
  if (!list) return <p class="loading">Loading…</p>;
  if (list.length === 0) return <p class="empty-state">Nobody else appears in their photos yet.</p>;
  const most = list[0]!.photos;
  return (
    <ul class="co-list">
      {list.map((c) => (
        <li key={c.personId}>
          <a href={`#/people/${c.personId}`}>{c.name ?? `Person ${c.personId}`}</a>
          <span class="bar"><span style={{ width: `${(100 * c.photos) / most}%` }} /></span>
          <a href={`#/search?people=${id},${c.personId}`}>{c.photos} photos together</a>
        </li>
      ))}
    </ul>
  );
}

function Suggested({ person, onChange }: { person: Person; onChange: () => void }) {
  const [list, setList] = useState<Array<{ faceId: number; photoId: number; distance: number; currentPersonId: number | null }> | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const load = () => get<NonNullable<typeof list>>(`/api/people/${person.id}/suggestions?limit=60`).then((l) => {
    setList(l);
    setSelected(new Set(l.map((s) => s.faceId)));
  }, toastError);
  useEffect(() => void load(), [person.id]);
  if (!list) return <p class="loading">Looking for faces that may be {personName(person)}…</p>;
  if (list.length === 0) return <p class="empty-state">No suggestions: every likely face is already here.</p>;
  const ids = [...selected];
  const act = async (what: 'confirm' | 'reject') => {
    try {
      await post(`/api/people/${person.id}/${what}`, { faceIds: ids });
      toast(`${ids.length} faces ${what === 'confirm' ? 'added' : 'rejected'}`);
      onChange();
      void load();
    } catch (error) {
      toastError(error);
    }
  };
  return (
    <div>
      <div class="toolbar visible">
        <span>{ids.length} of {list.length} selected</span>
        <button type="button" class="primary" disabled={!ids.length} onClick={() => void act('confirm')}>This is {personName(person)}</button>
        <button type="button" class="danger" disabled={!ids.length} onClick={() => void act('reject')}>Not {personName(person)}</button>
      </div>
      <ul class="grid face-grid">
        {list.map((s) => (
          <li key={s.faceId} class={`face${selected.has(s.faceId) ? ' selected' : ''}`}>
            <button type="button" class="face-button" aria-pressed={selected.has(s.faceId)} onClick={() => setSelected((old) => {
              const n = new Set(old);
              if (n.has(s.faceId)) n.delete(s.faceId);
              else n.add(s.faceId);
              return n;
            })}>
              <Thumb faceId={s.faceId} size={120} />
            </button>
            <span class="badge">{s.distance.toFixed(2)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
