import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { del } from './api.js';
import { AskPage } from './pages/ask-page.js';
import { InboxPage } from './pages/inbox-page.js';
import { IngestPage } from './pages/ingest-page.js';
import { PeoplePage } from './pages/people-page.js';
import { PersonPage } from './pages/person-page.js';
import { PhotoPage } from './pages/photo-page.js';
import { ReviewPage } from './pages/review-page.js';
import { SearchPage } from './pages/search-page.js';
import { SettingsPage } from './pages/settings-page.js';
import { useRoute } from './router.js';
import { dismiss, useToasts } from './toast.js';
import './styles.css';

function Page({ parts }: { parts: string[] }) {
  const [section, id] = parts;
  const num = Number(id);
  switch (section) {
    case 'people': return id ? <PersonPage id={num} /> : <PeoplePage />;
    case 'photos': return <PhotoPage id={num} />;
    case 'review': return <ReviewPage />;
    case 'search': {
      const people = new URLSearchParams(location.hash.split('?')[1] ?? '').get('people');
      return <SearchPage initialPeople={people ? people.split(',').map(Number).filter((n) => n > 0) : []} />;
    }
    case 'ask': return <AskPage />;
    case 'inbox': return <InboxPage />;
    case 'ingest': return <IngestPage />;
    case 'settings': return <SettingsPage />;
    default: return <PeoplePage />;
  }
}

const SECTIONS = [['people', 'People'], ['review', 'Review'], ['search', 'Search'], ['ask', 'Ask'], ['inbox', 'Suggestions'], ['ingest', 'Ingest'], ['settings', 'Settings']] as const;

function App() {
  const parts = useRoute();
  const { current, waiting } = useToasts();
  const [menu, setMenu] = useState(false);
  const section = parts[0] ?? 'people';
  useEffect(() => setMenu(false), [parts.join('/')]);
  const logout = async () => {
    await del('/api/session').catch(() => {});
    location.href = '/login';
  };
  return (
    <>
      <nav class={`top${menu ? ' open' : ''}`}>
        <a class="brand" href="#/people"><span class="logo" aria-hidden="true">●</span> facetag</a>
        {/* On a phone the sections fold into this menu. */}
        <button type="button" class="menu-button" aria-expanded={menu} aria-controls="sections" onClick={() => setMenu(!menu)}>Menu</button>
        <div class="sections" id="sections">
          {SECTIONS.map(([s, label]) => (
            <a href={`#/${s}`} class={section === s ? 'active' : ''}>{label}</a>
          ))}
          <button type="button" class="link logout" onClick={() => void logout()}>Log out</button>
        </div>
      </nav>
      <main><Page parts={parts} /></main>
      <div class="toasts" aria-live="polite">
        {current && (
          <div key={current.id} class={`toast ${current.kind}`} role={current.kind === 'error' ? 'alert' : 'status'}>
            <span>{current.text}</span>
            {current.action && <button type="button" onClick={() => { current.action!.run(); dismiss(current.id); }}>{current.action.label}</button>}
            {waiting > 0 && <small class="more">+{waiting}</small>}
            <button type="button" class="link" aria-label="dismiss" onClick={() => dismiss(current.id)}>×</button>
          </div>
        )}
      </div>
    </>
  );
}

render(<App />, document.getElementById('app')!);
