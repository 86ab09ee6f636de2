/** The dashboard's client of the REST API: JSON in and out, the CSRF token on every change. */

export interface Person { id: number; name: string | null; hidden: boolean; faceCount: number; coverFaceId: number | null; createdAt: string; mergedInto: number | null }
export interface Merge { id: number; intoId: number; fromId: number; faceCount: number; at: string; undoneAt: string | null }
export interface Box { x: number; y: number; w: number; h: number }
export interface Face { id: number; photoId: number; box: Box; personId: number | null; source: 'auto' | 'confirmed' | 'manual' | 'xmp' | null; distance: number | null; quality: number; manual: boolean; doubtful: boolean; warning?: string }
export interface Photo { id: number; path: string; width: number | null; height: number | null; takenAt: string | null; status: 'done' | 'failed'; errorCode: string | null; errorMessage: string | null; faceCount: number; indexedAt: string }
export interface Page<T> { items: T[]; total: number }

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

let csrf: string | null = null;

async function csrfToken(): Promise<string> {
  csrf ??= ((await request<{ csrfToken: string | null }>('GET', '/api/session')).csrfToken ?? '');
  return csrf;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = await csrfToken();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (res.status === 401) {
    location.href = '/login';
    throw new ApiError(401, 'UNAUTHENTICATED', 'logged out');
  }
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = (data as { error?: { code: string; message: string; details?: Record<string, unknown> } }).error;
    throw new ApiError(res.status, e?.code ?? 'HTTP', e?.message ?? res.statusText, e?.details);
  }
  return data as T;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => request<T>('POST', path, body);
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, body);
export const put = <T>(path: string, body: unknown) => request<T>('PUT', path, body);
export const del = <T>(path: string) => request<T>('DELETE', path);

export const qs = (params: Record<string, string | number | boolean | undefined | null>) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const text = s.toString();
  return text ? `?${text}` : '';
};

export const thumbUrl = (faceId: number, size = 160) => `/api/faces/${faceId}/thumb?size=${size}`;
export const previewUrl = (photoId: number, size = 1280) => `/api/photos/${photoId}/preview?size=${size}`;
export const personName = (p: { id: number; name: string | null }) => p.name ?? `Person ${p.id}`;
/** A photo's file name; bytes of a name that is not UTF-8 (kept as U+EF80..U+EFFF, see src/sources/file-key.ts) show as \xE9. */
export const fileName = (path: string) => (path.split(/[\\/]/).pop() ?? path)
  .replace(/[\uef80-\uefff]/g, (c) => `\\x${(c.charCodeAt(0) - 0xef00).toString(16).toUpperCase()}`);
