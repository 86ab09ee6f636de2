import { useEffect, useState } from 'preact/hooks';

/**
 * Short messages at the bottom of the screen, with an optional action (Undo). One shows at a
 * time, so messages never stack over the page (a photo, a face grid): the newest first, and the
 * ones still pending after it. Information goes by itself; an error stays until it is dismissed.
 */
export interface Toast { id: number; text: string; kind: 'info' | 'error'; action?: { label: string; run: () => void } }

let toasts: Toast[] = [];
const listeners = new Set<(t: Toast[]) => void>();
let next = 1;

const publish = () => listeners.forEach((l) => l(toasts));

export function toast(text: string, options: { kind?: Toast['kind']; action?: Toast['action']; ms?: number } = {}) {
  const t: Toast = { id: next++, text, kind: options.kind ?? 'info', ...(options.action ? { action: options.action } : {}) };
  // The newest shows; older information is dropped, older errors wait behind it.
  toasts = [t, ...toasts.filter((o) => o.kind === 'error')].slice(0, 5);
  publish();
  if (t.kind === 'info') setTimeout(() => dismiss(t.id), options.ms ?? (options.action ? 10_000 : 4000));
}

export function dismiss(id: number) {
  toasts = toasts.filter((t) => t.id !== id);
  publish();
}

/** An error message: it stays until dismissed. */
export const toastError = (error: unknown) => toast(error instanceof Error ? error.message : String(error), { kind: 'error' });

/** The toast to show now, and how many wait behind it. */
export function useToasts(): { current: Toast | null; waiting: number } {
  const [list, setList] = useState(toasts);
  useEffect(() => {
    listeners.add(setList);
    return () => void listeners.delete(setList);
  }, []);
  return { current: list[0] ?? null, waiting: Math.max(0, list.length - 1) };
}
