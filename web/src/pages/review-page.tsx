import { useEffect, useState } from 'preact/hooks';
import { get, personName, post, put, type Face, del } from '../api.js';
import { Thumb } from '../components/thumb.js';
import { toast, toastError } from '../toast.js';

interface Group {
  person: { id: number; name: string | null; coverFaceId: number | null; faceCount: number } | null;
  items: Array<{ face: Face; distance: number | null; reason: 'unassigned' | 'unsure' }>;
}

/**
 * The review queue, made for the keyboard: j/k (or ↓/↑) pick a group, ←/→ and space pick faces,
 * c (or Enter) confirms the selected faces as the group's person, r rejects them.
 */
export function ReviewPage() {
  const [data, setData] = useState<{ unassigned: number; groups: Group[] } | null>(null);
  const [active, setActive] = useState(0);
  const [cursor, setCursor] = useState(0);
  const [off, setOff] = useState<Set<number>>(new Set());
  const [help, setHelp] = useState(false);
  const load = () => get<{ unassigned: number; groups: Group[] }>('/api/review?limit=60').then((d) => {
    setData(d);
    setActive(0);
    setCursor(0);
    setOff(new Set());
  }, toastError);
  useEffect(() => void load(), []);

  const groups = data?.groups ?? [];
  const group = groups[active];
  const chosen = (g: Group) => g.items.filter((i) => !off.has(i.face.id)).map((i) => i.face.id);
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

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).closest('input, textarea, select') || e.metaKey || e.ctrlKey || e.altKey) return;
      if (!group) return;
      const k = e.key;
      if (k === 'j' || k === 'ArrowDown') { setActive((a) => Math.min(groups.length - 1, a + 1)); setCursor(0); }
      else if (k === 'k' || k === 'ArrowUp') { setActive((a) => Math.max(0, a - 1)); setCursor(0); }
      else if (k === 'ArrowRight' || k === 'l') setCursor((c) => Math.min(group.items.length - 1, c + 1));
      else if (k === 'ArrowLeft' || k === 'h') setCursor((c) => Math.max(0, c - 1));
      else if (k === ' ' || k === 'x') {
        const fid = group.items[cursor]?.face.id;
        if (fid !== undefined) setOff((s) => { const n = new Set(s); if (n.has(fid)) n.delete(fid); else n.add(fid); return n; });
      } else if (k === 'c' || k === 'Enter') void confirmGroup(group);
      else if (k === 'r' || k === 'Backspace') void rejectGroup(group);
      else if (k === '?') setHelp((h) => !h);
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });
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
      {help && <p class="card">Each group is the faces that look most like one person. Untick the faces that are not them (<kbd>space</kbd>), then <kbd>c</kbd> confirms the rest as that person, or <kbd>r</kbd> says the ticked faces are not them (they will not be suggested again).</p>}
      {groups.length === 0 && <p class="empty-state">Nothing to review. 🎉</p>}
      {groups.map((g, gi) => (
        <div key={g.person?.id ?? 'none'} class={`review-group card${gi === active ? ' active' : ''}`} onClick={() => setActive(gi)} data-person-id={g.person?.id ?? ''}>
          <div class="review-head">
            {g.person ? <Thumb faceId={g.person.coverFaceId} size={64} /> : <div class="thumb empty" style={{ width: 64, height: 64 }} />}
            <div>
              <h2>{g.person ? <a href={`#/people/${g.person.id}`}>{personName(g.person)}</a> : 'No likely person'}</h2>
              <small>{g.items.length} faces to check{g.person ? ` · has ${g.person.faceCount}` : ''}</small>
            </div>
            <div class="actions">
              <button type="button" class="primary" onClick={(e) => { e.stopPropagation(); void confirmGroup(g); }}>{g.person ? 'Confirm' : 'New person…'} ({chosen(g).length})</button>
              {g.person && <button type="button" class="danger" onClick={(e) => { e.stopPropagation(); void rejectGroup(g); }}>Not {personName(g.person)}</button>}
              <button type="button" onClick={(e) => { e.stopPropagation(); void dismissGroup(g); }}>Not faces</button>
            </div>
          </div>
          <ul class="grid face-grid small">
            {g.items.map((it, i) => (
              <li key={it.face.id} class={`face${off.has(it.face.id) ? ' skipped' : ' selected'}${gi === active && i === cursor ? ' cursor' : ''}`}>
                <button type="button" class="face-button" aria-pressed={!off.has(it.face.id)} onClick={(e) => {
                  e.stopPropagation();
                  setActive(gi);
                  setCursor(i);
                  setOff((s) => { const n = new Set(s); if (n.has(it.face.id)) n.delete(it.face.id); else n.add(it.face.id); return n; });
                }}>
                  <Thumb faceId={it.face.id} size={96} />
                </button>
                <span class={`badge ${it.reason}`}>{it.reason === 'unsure' ? 'unsure' : 'new'}{it.distance !== null ? ` ${it.distance.toFixed(2)}` : ''}</span>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
