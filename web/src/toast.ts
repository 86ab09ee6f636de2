import { useEffect, useState } from 'preact/hooks';

/** Short messages at the bottom of the screen, with an optional action (Undo). */
export interface Toast { id: number; text: string; kind: 'info' | 'error'; action?: { label: string; run: () => void } }

let toasts: Toast[] = [];
const listeners = new Set<(t: Toast[]) => void>();
let next = 1;

export function toast(text: string, options: { kind?: Toast['kind']; action?: Toast['action']; ms?: number } = {}) {
  const t: Toast = { id: next++, text, kind: options.kind ?? 'info', ...(options.action ? { action: options.action } : {}) };
  toasts = [...toasts, t].slice(-3); // a few at a time: the newest matter
  listeners.forEach((l) => l(toasts));
  setTimeout(() => dismiss(t.id), options.ms ?? (options.action ? 10_000 : 4000));
}

export function dismiss(id: number) {
  toasts = toasts.filter((t) => t.id !== id);
  listeners.forEach((l) => l(toasts));
}

export const toastError = (error: unknown) => toast(error instanceof Error ? error.message : String(error), { kind: 'error', ms: 8000 });

export function useToasts(): Toast[] {
  const [list, setList] = useState(toasts);
  useEffect(() => {
    listeners.add(setList);
    return () => void listeners.delete(setList);
  }, []);
  return list;
}
