import { useEffect, useState } from 'preact/hooks';
import { del, get, post, put } from '../api.js';
import { toast, toastError } from '../toast.js';

interface Token { id: number; name: string; scope: 'full' | 'recognition'; createdAt: string; lastUsedAt: string | null }

/** The admin password and API tokens for scripts. */
export function SettingsPage() {
  const [tokens, setTokens] = useState<Token[]>([]);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Token['scope']>('full');
  const [fresh, setFresh] = useState<string | null>(null);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const load = () => get<Token[]>('/api/tokens').then(setTokens, toastError);
  useEffect(() => void load(), []);
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const t = await post<{ token: string }>('/api/tokens', { name, scope });
      setFresh(t.token);
      setName('');
      void load();
    } catch (error) {
      toastError(error);
    }
  };
  const change = async (e: Event) => {
    e.preventDefault();
    try {
      await put('/api/session/password', { current, next });
      toast('Password changed: log in again');
      location.href = '/login';
    } catch (error) {
      toastError(error);
    }
  };
  return (
    <section>
      <header class="page-head"><h1>Settings</h1></header>
      <div class="card">
        <h2>API tokens</h2>
        <p class="meta">For scripts: send <code>Authorization: Bearer &lt;token&gt;</code>. The API is described at <a href="/api/openapi.json">/api/openapi.json</a>. A token for recognition only (Double Take, CompreFace clients: <code>x-api-key</code>) can recognise faces and add examples, nothing else.</p>
        <form onSubmit={create} class="inline">
          <input placeholder="What is it for?" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <select aria-label="Access" value={scope} onChange={(e) => setScope(e.currentTarget.value as Token['scope'])}>
            <option value="full">Full access</option>
            <option value="recognition">Recognition only</option>
          </select>
          <button type="submit" disabled={!name.trim()}>Create token</button>
        </form>
        {fresh && <p class="card notice">New token (copy it now, it is not shown again): <code>{fresh}</code></p>}
        <ul class="tokens">
          {tokens.map((t) => (
            <li key={t.id}>{t.name} {t.scope === 'recognition' && <em>(recognition only)</em>} <small>created {t.createdAt.slice(0, 10)}, {t.lastUsedAt ? `last used ${t.lastUsedAt.slice(0, 16).replace('T', ' ')}` : 'never used'}</small>
              <button type="button" class="link danger" onClick={() => del(`/api/tokens/${t.id}`).then(load, toastError)}>Revoke</button></li>
          ))}
        </ul>
      </div>
      <div class="card">
        <h2>Admin password</h2>
        <form onSubmit={change} class="stack">
          <input type="password" placeholder="Current password" autoComplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
          <input type="password" placeholder="New password (8+ characters)" autoComplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} />
          <button type="submit" disabled={!current || next.length < 8}>Change password</button>
        </form>
      </div>
    </section>
  );
}
