import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from '../api.js';
import { toastError } from '../toast.js';

/**
 * Pages of a long list, loaded as the user scrolls to the end (never the whole list at once).
 * `key` changes (a new search) start again from the first page.
 */
export function usePaged<T>(fetchPage: (offset: number, limit: number) => Promise<Page<T>>, key: string, pageSize = 60) {
  const [items, setItems] = useState<T[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const generation = useRef(0);
  const busy = useRef(false);
  const load = useCallback(async (reset: boolean) => {
    if (busy.current && !reset) return;
    const gen = reset ? ++generation.current : generation.current;
    busy.current = true;
    setLoading(true);
    try {
      const offset = reset ? 0 : items.length;
      const page = await fetchPage(offset, pageSize);
      if (gen !== generation.current) return;
      setItems((old) => (reset ? page.items : [...old, ...page.items]));
      setTotal(page.total);
    } catch (error) {
      toastError(error);
    } finally {
      if (gen === generation.current) {
        busy.current = false;
        setLoading(false);
      }
    }
  }, [fetchPage, items.length, pageSize]);
  useEffect(() => {
    setItems([]);
    setTotal(null);
    void load(true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  const more = total !== null && items.length < total;
  return { items, setItems, total, loading, more, loadMore: () => more && load(false), reload: () => load(true) };
}

/** Calls `onVisible` when scrolled into view: the end of a paged list. */
export function Sentinel({ onVisible, active }: { onVisible: () => void; active: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const cb = useRef(onVisible);
  cb.current = onVisible;
  useEffect(() => {
    if (!active || !ref.current) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && cb.current(), { rootMargin: '400px' });
    io.observe(ref.current);
    return () => io.disconnect();
  }, [active]);
  return <div ref={ref} class="sentinel">{active ? <button type="button" class="link" onClick={() => cb.current()}>Load more</button> : null}</div>;
}
