import { useEffect, useRef, useState } from 'preact/hooks';
import { get, personName, post, put, type Face, del } from '../api.js';
import { Thumb } from '../components/thumb.js';
import { toast, toastError } from '../toast.js';

interface Group {
  person: { id: number; name: string | null; coverFaceId: number | null; faceCount: number } | null;
  /** `trusted`: the clustering would take this face itself; only those are preselected. */
  items: Array<{ face: Face; distance: number | null; reason: 'unassigned' | 'unsure'; trusted: boolean }>;
  /** Trusted and uncertain faces together: confirming an uncertain one takes a second step. */
  mixed: boolean;
  /** Mostly faces too poor to start a person (a wall, a pattern): shown after the others. */
  probableNonFaces: boolean;
}

const groupKey = (g: Group) => String(g.person?.id ?? 'none');

/**
 * The review queue, made for the keyboard: j/k (or ↓/↑) pick a group, ←/→ and space pick faces,
 * c (or Enter) confirms the selected faces as the group's person, r rejects them. Only faces the
 * clustering trusts start selected; a selection with an uncertain face takes c twice.
 */
export function ReviewPage() {
  const [data, setData] = useState<{ unassigned: number; groups: Group[] } | null>(null);
  const [active, setActive] = useState(0);
  const [cursor, setCursor] = useState(0);
  const [off, setOff] = useState<Set<number>>(new Set());
  const [help, setHelp] = useState(false);
  /** The group whose uncertain selection was asked to be confirmed once: the next c confirms it. */
  const [armed, setArmed] = useState<string | null>(null);
  const onKeyRef = useRef<(e: KeyboardEvent) => void>(() => undefined);
  const load = () => get<{ unassigned: number; groups: Group[] }>('/api/review?limit=60').then((d) => {
    setData(d);
    setActive(0);
    setCursor(0);
    setArmed(null);
    setOff(new Set(d.groups.flatMap((g) => g.items.filter((i) => !i.trusted).map((i) => i.face.id))));
  }, toastError);
  const toggle = (fid: number) => {
    setArmed(null);
    setOff((s) => { const n = new Set(s); if (n.has(fid)) n.delete(fid); else n.add(fid); return n; });
  };
  useEffect(() => void load(), []);

  const groups = data?.groups ?? [];
  const group = groups[active];
  const chosen = (g: Group) => g.items.filter((i) => !off.has(i.face.id)).map((i) => i.face.id);
  const uncertain = (g: Group) => g.items.filter((i) => !off.has(i.face.id) && !i.trusted).length;
  const anyway = (g: Group) => (chosen(g).length === 1 ? 'Confirm it anyway' : `Confirm all ${chosen(g).length} anyway`);
  const done = (g: Group) => {
    const rest = groups.filter((x) => x !== g);
    setData(data && { ...data, groups: rest });
    setActive((a) => Math.min(a, Math.max(0, rest.length - 1)));
    setCursor(0);
    if (rest.length === 0) void load();
  };
  const confirmGroup = async (g: Group) => {
    const ids = chosen(g);
    if (!ids.length) return;
    if (uncertain(g) > 0 && armed !== groupKey(g)) {
      setArmed(groupKey(g)); // one more deliberate step: c again, or the button
      return;
    }
    setArmed(null);
    try {
      if (g.person) {
        await post(`/api/people/${g.person.id}/confirm`, { faceIds: ids });
        toast(`${ids.length} faces confirmed as ${personName(g.person)}`);
      } else {
        const name = prompt(`Name the new person for these ${ids.length} faces`);
        if (!name?.trim()) return;
        const first = await put<Face>(`/api/faces/${ids[0]}/person`, { newPersonName: name.trim() });
        if (ids.length > 1) await post(`/api/people/${first.personId}/confirm`, { faceIds: ids.slice(1) });
        toast(`New person “${name.trim()}” with ${ids.length} faces`);
      }
      done(g);
    } catch (error) {
      toastError(error);
    }
  };
  const rejectGroup = async (g: Group) => {
    const ids = chosen(g);
    if (!g.person || !ids.length) return;
    try {
      await post(`/api/people/${g.person.id}/reject`, { faceIds: ids });
      toast(`${ids.length} faces are not ${personName(g.person)}`);
      done(g);
    } catch (error) {
      toastError(error);
    }
  };

  /** False detections (a statue, a cat): deleted, and never detected there again. */
  const dismissGroup = async (g: Group) => {
    const ids = chosen(g);
    if (!ids.length || !confirm(`Remove ${ids.length} selected detection(s) as not faces? They will not be detected there again.`)) return;
    try {
      for (const id of ids) await del(`/api/faces/${id}`);
      toast(`${ids.length} false detection(s) removed`);
      done(g);
    } catch (error) {
      toastError(error);
    }
  };

  // The key handler reads this render's state: set on every render, listened to once, so a key
  // pressed right after a click (before effects run again) acts on what the click chose.
  onKeyRef.current = (e: KeyboardEvent) => {
    if ((e.target as HTMLElement).closest('input, textarea, select') || e.metaKey || e.ctrlKey || e.altKey) return;
    if (!group) return;
    const k = e.key;
    if (k === 'j' || k === 'ArrowDown') { setActive((a) => Math.min(groups.length - 1, a + 1)); setCursor(0); setArmed(null); }
    else if (k === 'k' || k === 'ArrowUp') { setActive((a) => Math.max(0, a - 1)); setCursor(0); setArmed(null); }
    else if (k === 'ArrowRight' || k === 'l') setCursor((c) => Math.min(group.items.length - 1, c + 1));
    else if (k === 'ArrowLeft' || k === 'h') setCursor((c) => Math.max(0, c - 1));
    else if (k === ' ' || k === 'x') {
      const fid = group.items[cursor]?.face.id;
      if (fid !== undefined) toggle(fid);
    } else if (k === 'c' || k === 'Enter') void confirmGroup(group);
    else if (k === 'r' || k === 'Backspace') void rejectGroup(group);
    else if (k === '?') setHelp((h) => !h);
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => onKeyRef.current(e);
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    document.querySelector('.review-group.active')?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [active]);

  if (!data) return <p class="loading">Finding faces to review…</p>;
  return (
    <section>
      <header class="page-head">
        <h1>Review <small>{data.unassigned} faces in no person</small></h1>
        <p class="keys"><kbd>j</kbd>/<kbd>k</kbd> group · <kbd>←</kbd>/<kbd>→</kbd> face · <kbd>space</kbd> skip face · <kbd>c</kbd> confirm · <kbd>r</kbd> reject · <button type="button" class="link" onClick={() => setHelp(!help)}>?</button></p>
      </header>
      {help && <p class="card">Each group is the faces that look most like one person. Only the faces the clustering is sure of start selected; tick others with <kbd>space</kbd> (confirming an uncertain face takes <kbd>c</kbd> twice). <kbd>c</kbd> confirms the selected faces as that person, <kbd>r</kbd> says they are not them (they will not be suggested again).</p>}
      {groups.length === 0 && <p class="empty-state">Nothing to review. 🎉</p>}
      {groups.map((g, gi) => (
        <div key={g.person?.id ?? 'none'} class={`review-group card${gi === active ? ' active' : ''}${g.mixed ? ' mixed' : ''}${g.probableNonFaces ? ' non-faces' : ''}`} onClick={() => setActive(gi)} data-person-id={g.person?.id ?? ''}>
          <div class="review-head">
            {g.person ? <Thumb faceId={g.person.coverFaceId} size={64} /> : <div class="thumb empty" style={{ width: 64, height: 64 }} />}
            <div>
              <h2>{g.person ? <a href={`#/people/${g.person.id}`}>{personName(g.person)}</a> : 'No likely person'}</h2>
              <small>{g.items.length} faces to check{g.person ? ` · has ${g.person.faceCount}` : ''}{g.probableNonFaces ? ' · probably not faces' : g.mixed ? ' · some uncertain' : ''}</small>
            </div>
            <div class="actions">
              <button type="button" class="primary confirm" onClick={(e) => { e.stopPropagation(); void confirmGroup(g); }}>
                {armed === groupKey(g) ? anyway(g) : `${g.person ? 'Confirm' : 'New person…'} (${chosen(g).length})`}
              </button>
              {g.person && <button type="button" class="danger" onClick={(e) => { e.stopPropagation(); void rejectGroup(g); }}>Not {personName(g.person)}</button>}
              <button type="button" onClick={(e) => { e.stopPropagation(); void dismissGroup(g); }}>Not faces</button>
            </div>
          </div>
          {armed === groupKey(g) && (
            <p class="review-warning" role="alert">{uncertain(g)} of the {chosen(g).length} selected faces {uncertain(g) === 1 ? 'is' : 'are'} uncertain: farther from this person than the clustering would go, or too poor a face to be sure it is one. Press <kbd>c</kbd> again, or click “{anyway(g)}”, to confirm {chosen(g).length === 1 ? 'it' : 'them'}; or untick {uncertain(g) === 1 ? 'it' : 'them'}.</p>
          )}
          <ul class="grid face-grid small">
            {g.items.map((it, i) => (
              <li key={it.face.id} data-face-id={it.face.id} class={`face${off.has(it.face.id) ? ' skipped' : ' selected'}${it.trusted ? '' : ' uncertain'}${gi === active && i === cursor ? ' cursor' : ''}`}>
                <button type="button" class="face-button" aria-pressed={!off.has(it.face.id)} onClick={(e) => {
                  e.stopPropagation();
                  setActive(gi);
                  setCursor(i);
                  toggle(it.face.id);
                }}>
                  <Thumb faceId={it.face.id} size={96} />
                </button>
                <span class={`badge ${it.reason}${it.trusted ? '' : ' far'}`}>{it.trusted ? (it.reason === 'unsure' ? 'unsure' : 'new') : 'uncertain'}{it.distance !== null ? ` ${it.distance.toFixed(2)}` : ''}</span>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
