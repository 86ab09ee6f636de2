import { useEffect, useState } from 'preact/hooks';

/** Hash routes (`#/people/3`): the server serves one page, and reloads keep the place. */
export function useRoute(): string[] {
  const read = () => (location.hash.replace(/^#\/?/, '').split('?')[0] ?? '').split('/').filter(Boolean);
  const [parts, setParts] = useState(read);
  useEffect(() => {
    const on = () => setParts(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return parts;
}

export const navigate = (path: string) => {
  location.hash = path;
};
