import { useEffect, useState } from 'preact/hooks';
import { get, post, type Photo } from '../api.js';
import { toast, toastError } from '../toast.js';

interface Status {
  folder: string | null; running: boolean; startedAt: string | null;
  progress: { total: number; done: number; failed: number; faces: number } | null;
  last: { finishedAt: string; durationMs: number; photos: { processed: number; skippedUnchanged: number; failed: number }; newFaces: number; interrupted: boolean } | null;
  error: { code: string; message: string } | null;
}
interface Ingest { status: Status; counts: { photos: number; photosFailed: number; faces: number; people: number; unassigned: number }; failures: Photo[] }

/** What is being indexed, what failed and why, and "Index now". */
export function IngestPage() {
  const [data, setData] = useState<Ingest | null>(null);
  const load = () => get<Ingest>('/api/ingest').then(setData, toastError);
  useEffect(() => {
    void load();
  }, []);
  useEffect(() => {
    if (!data?.status.running) return;
    const t = setInterval(() => void load(), 1500);
    return () => clearInterval(t);
  }, [data?.status.running]);
  if (!data) return <p class="loading">Loading…</p>;
  const { status, counts, failures } = data;
  const p = status.progress;
  const start = async () => {
    try {
      await post('/api/ingest');
      toast('Indexing started');
      void load();
    } catch (error) {
      toastError(error);
    }
  };
  return (
    <section>
      <header class="page-head"><h1>Ingest</h1></header>
      <div class="stats">
        {([['photos', counts.photos], ['faces', counts.faces], ['people', counts.people], ['faces in no person', counts.unassigned], ['photos failed', counts.photosFailed]] as const).map(([label, n]) => (
          <div class="stat card"><b>{n.toLocaleString()}</b><span>{label}</span></div>
        ))}
      </div>
      <div class="card">
        <p>Folder: {status.folder ? <code>{status.folder}</code> : <em>none configured (set FACETAG_SERVER_INDEX_FOLDER)</em>}</p>
        <button type="button" id="index-now" class="primary" disabled={!status.folder || status.running} onClick={() => void start()}>{status.running ? 'Indexing…' : 'Index now'}</button>
        {status.running && p && (
          <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={p.total} aria-valuenow={p.done}>
            <span style={{ width: `${p.total ? (100 * p.done) / p.total : 0}%` }} />
            <small>{p.done} / {p.total} photos · {p.faces} new faces · {p.failed} failed</small>
          </div>
        )}
        {status.last && !status.running && (
          <p class="meta">Last run {status.last.finishedAt.replace('T', ' ').slice(0, 19)}: {status.last.photos.processed} indexed, {status.last.photos.skippedUnchanged} unchanged, {status.last.photos.failed} failed, {status.last.newFaces} new faces, {(status.last.durationMs / 1000).toFixed(1)} s{status.last.interrupted ? ' (interrupted)' : ''}</p>
        )}
        {status.error && <p class="error">{status.error.message} [{status.error.code}]</p>}
      </div>
      <h2>Photos that could not be read ({failures.length})</h2>
      {failures.length === 0 ? <p class="empty-state">None.</p> : (
        <table class="failures">
          <thead><tr><th>File</th><th>Code</th><th>What to do</th></tr></thead>
          <tbody>{failures.map((f) => <tr key={f.id}><td><code>{f.path}</code></td><td>{f.errorCode}</td><td>{f.errorMessage}</td></tr>)}</tbody>
        </table>
      )}
    </section>
  );
}
