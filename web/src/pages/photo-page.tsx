import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, fileName, get, personName, post, previewUrl, put, type Box, type Face, type Photo } from '../api.js';
import { PersonPicker } from '../components/person-picker.js';
import { toast, toastError } from '../toast.js';

type PhotoFace = Face & { personName: string | null };
type FullPhoto = Photo & { faces: PhotoFace[] };

/**
 * A photo with its face boxes and names. Click a box to put the face on someone else; "Draw a
 * face" to box a face the detector missed (it is embedded and placed like any other).
 */
export function PhotoPage({ id }: { id: number }) {
  const [photo, setPhoto] = useState<FullPhoto | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [drawing, setDrawing] = useState(false);
  const [drag, setDrag] = useState<{ x0: number; y0: number; x1: number; y1: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<ApiError | Error | null>(null);
  const frame = useRef<HTMLDivElement>(null);
  const load = () => get<FullPhoto>(`/api/photos/${id}`).then((p) => {
    setPhoto(p);
    setFailed(null);
  }, (error: Error) => {
    setPhoto(null);
    setFailed(error);
  });
  useEffect(() => {
    setOpen(null);
    setDrawing(false);
    setPhoto(null);
    setFailed(null);
    void load();
  }, [id]);
  if (failed instanceof ApiError && failed.status === 404) {
    return <p class="empty-state" id="photo-missing">Photo {Number.isFinite(id) ? id : ''} was not found: it was deleted, or the link is wrong. <a href="#/people">Back to people</a> · <a href="#/search">Search photos</a></p>;
  }
  if (failed) return <p class="empty-state error">This photo cannot be shown: {failed.message} <button type="button" onClick={() => void load()}>Try again</button></p>;
  if (!photo) return <p class="loading">Loading…</p>;
  const W = photo.width ?? 1;
  const H = photo.height ?? 1;
  const pct = (b: Box) => ({ left: `${(100 * b.x) / W}%`, top: `${(100 * b.y) / H}%`, width: `${(100 * b.w) / W}%`, height: `${(100 * b.h) / H}%` });

  // Pointer position as a fraction of the photo.
  const at = (e: PointerEvent) => {
    const r = frame.current!.getBoundingClientRect();
    return { x: Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)), y: Math.min(1, Math.max(0, (e.clientY - r.top) / r.height)) };
  };
  const down = (e: PointerEvent) => {
    if (!drawing) return;
    e.preventDefault();
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    const p = at(e);
    setDrag({ x0: p.x, y0: p.y, x1: p.x, y1: p.y });
  };
  const move = (e: PointerEvent) => {
    if (!drag) return;
    const p = at(e);
    setDrag({ ...drag, x1: p.x, y1: p.y });
  };
  const up = async () => {
    if (!drag) return;
    const box = {
      x: Math.round(Math.min(drag.x0, drag.x1) * W), y: Math.round(Math.min(drag.y0, drag.y1) * H),
      w: Math.round(Math.abs(drag.x1 - drag.x0) * W), h: Math.round(Math.abs(drag.y1 - drag.y0) * H),
    };
    setDrag(null);
    if (Math.min(box.w, box.h) < 8) return;
    setBusy(true);
    try {
      const face = await post<Face>(`/api/photos/${id}/faces`, { box });
      // Not an error (the face is added): a note that stays long enough to read, then goes.
      if (face.warning) toast(`Face added, but ${face.warning}`, { ms: 12_000 });
      else toast(face.personId ? 'Face added and matched to a person' : 'Face added: click it to say who it is');
      setDrawing(false);
      await load();
      setOpen(face.id);
    } catch (error) {
      toastError(error);
    } finally {
      setBusy(false);
    }
  };
  const assign = async (faceId: number, body: { personId: number } | { newPersonName: string }) => {
    try {
      await put(`/api/faces/${faceId}/person`, body);
      toast('Face moved');
      setOpen(null);
      void load();
    } catch (error) {
      toastError(error);
    }
  };
  const reject = async (f: PhotoFace) => {
    try {
      await post(`/api/people/${f.personId}/reject`, { faceIds: [f.id] });
      toast(`Not ${f.personName ?? `person ${f.personId}`}: remembered`);
      setOpen(null);
      void load();
    } catch (error) {
      toastError(error);
    }
  };
  const current = photo.faces.find((f) => f.id === open);
  const live = drag && { left: `${100 * Math.min(drag.x0, drag.x1)}%`, top: `${100 * Math.min(drag.y0, drag.y1)}%`, width: `${100 * Math.abs(drag.x1 - drag.x0)}%`, height: `${100 * Math.abs(drag.y1 - drag.y0)}%` };
  return (
    <section class="photo-page">
      <header class="page-head">
        <h1>{fileName(photo.path)} <small>{photo.takenAt ? photo.takenAt.replace('T', ' ') : 'no date'} · {photo.width}×{photo.height}</small></h1>
        <div class="controls">
          <button type="button" id="draw-face" class={drawing ? 'primary' : ''} disabled={busy} onClick={() => { setDrawing(!drawing); setOpen(null); }}>
            {busy ? 'Embedding the face…' : drawing ? 'Drag over the face (Esc to stop)' : 'Draw a face'}
          </button>
        </div>
      </header>
      <div class="photo-layout">
        <div
          ref={frame} class={`photo-frame${drawing ? ' drawing' : ''}`} style={{ aspectRatio: `${W} / ${H}` }}
          onPointerDown={down} onPointerMove={move} onPointerUp={() => void up()}
          onKeyDown={(e) => e.key === 'Escape' && setDrawing(false)} tabIndex={-1}
        >
          <img src={previewUrl(photo.id, 2048)} alt="" draggable={false} />
          {photo.faces.map((f) => (
            <button
              type="button" key={f.id} class={`face-box${f.personId ? '' : ' unknown'}${open === f.id ? ' open' : ''}${f.manual ? ' manual' : ''}`} style={pct(f.box)}
              data-face-id={f.id} onClick={(e) => { e.stopPropagation(); if (!drawing) setOpen(open === f.id ? null : f.id); }}
              onPointerDown={(e) => !drawing && e.stopPropagation()}
            >
              <span class="label">{f.personId ? f.personName ?? `Person ${f.personId}` : '?'}</span>
            </button>
          ))}
          {live && <div class="face-box drawing-box" style={live} />}
        </div>
        {current && (
          <aside class="card face-panel">
            <h2>{current.personId ? <a href={`#/people/${current.personId}`}>{current.personName ?? `Person ${current.personId}`}</a> : 'Unknown face'}</h2>
            <p class="meta">face {current.id} · {current.manual ? 'drawn by hand' : `detected (${current.quality.toFixed(2)} quality)`}{current.source ? ` · ${current.source}` : ''}</p>
            <p>Who is this?</p>
            <PersonPicker id="reassign-picker" autoFocus exclude={current.personId ? [current.personId] : []}
              onPick={(p) => void assign(current.id, { personId: p.id })} onNew={(name) => void assign(current.id, { newPersonName: name })} />
            {current.personId && <button type="button" class="danger" onClick={() => void reject(current)}>Not {current.personName ?? personName({ id: current.personId, name: null })}</button>}
          </aside>
        )}
      </div>
    </section>
  );
}
