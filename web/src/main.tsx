import { render } from 'preact';
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

function App() {
  const parts = useRoute();
  const toasts = useToasts();
  const section = parts[0] ?? 'people';
  const logout = async () => {
    await del('/api/session').catch(() => {});
    location.href = '/login';
  };
  return (
    <>
      <nav class="top">
        <a class="brand" href="#/people"><span class="logo" aria-hidden="true">●</span> facetag</a>
        {([['people', 'People'], ['review', 'Review'], ['search', 'Search'], ['ask', 'Ask'], ['inbox', 'Suggestions'], ['ingest', 'Ingest'], ['settings', 'Settings']] as const).map(([s, label]) => (
          <a href={`#/${s}`} class={section === s || (s === 'people' && section === 'photos' && false) ? 'active' : ''}>{label}</a>
        ))}
        <button type="button" class="link logout" onClick={() => void logout()}>Log out</button>
      </nav>
      <main><Page parts={parts} /></main>
      <div class="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} class={`toast ${t.kind}`}>
            <span>{t.text}</span>
            {t.action && <button type="button" onClick={() => { t.action!.run(); dismiss(t.id); }}>{t.action.label}</button>}
            <button type="button" class="link" aria-label="dismiss" onClick={() => dismiss(t.id)}>×</button>
          </div>
        ))}
      </div>
    </>
  );
}

render(<App />, document.getElementById('app')!);
