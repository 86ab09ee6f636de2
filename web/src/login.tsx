import { render } from 'preact';
import { useState } from 'preact/hooks';
import './styles.css';

function Login() {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const res = await fetch('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password }) });
    setBusy(false);
    if (res.ok) {
      location.href = '/';
      return;
    }
    const body = await res.json().catch(() => null);
    setError(body?.error?.message ?? `login failed (${res.status})`);
  };
  return (
    <main class="login">
      <form onSubmit={submit} class="card">
        <h1><span class="logo" aria-hidden="true">●</span> facetag</h1>
        <label>
          Admin password
          <input type="password" name="password" autoComplete="current-password" autoFocus value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy || !password}>Log in</button>
        <p class="hint">The password was printed once when <code>facetag serve</code> first started.</p>
      </form>
    </main>
  );
}

render(<Login />, document.getElementById('app')!);
