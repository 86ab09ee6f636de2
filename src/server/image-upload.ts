import { AppError } from '../errors.js';
import { HttpError } from './http-error.js';
import type { ServerContext } from './server-env.js';

/** Room for multipart boundaries and JSON around the images. */
const ENVELOPE_BYTES = 1024 * 1024;

/**
 * The largest body a route that takes `images` photos accepts: each photo up to the indexing
 * limit (`index.maxFileBytes`), as base64 (4/3 larger) when sent in JSON.
 */
export const imagesBodyLimit = (images: number, maxFileBytes: number) => images * Math.ceil((maxFileBytes * 4) / 3) + ENVELOPE_BYTES;

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function fromBase64(value: string, part: string): Buffer {
  // A data URL (`data:image/jpeg;base64,...`) is taken too; whitespace from line wrapping is dropped.
  const text = value.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (!BASE64.test(text)) throw new AppError('INVALID_INPUT', `"${part}" is not valid base64; send the image bytes base64-encoded, or as multipart/form-data`);
  return Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
}

/**
 * The photos of a request, by part name. A request sends them as `multipart/form-data` parts
 * (files, or base64 text), as JSON of base64 strings (`{"file": "..."}`, CompreFace's "Base64
 * support"), or, when one photo is asked for, as the raw body with an image content type. Each
 * photo may be up to `maxFileBytes` (`index.maxFileBytes`, as for indexing).
 */
export async function readImages<P extends string>(c: ServerContext, parts: readonly P[], maxFileBytes: number): Promise<Record<P, Buffer>> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  const got: Partial<Record<P, Buffer>> = {};
  const wanted = parts.map((p) => `"${p}"`).join(' and ');
  if (type.startsWith('multipart/form-data')) {
    let form: Record<string, unknown>;
    try {
      form = await c.req.parseBody();
    } catch {
      throw new AppError('INVALID_INPUT', 'the multipart body cannot be read; send the photo as a multipart/form-data file part');
    }
    for (const p of parts) {
      const v = form[p];
      if (v instanceof File) got[p] = Buffer.from(await v.arrayBuffer());
      else if (typeof v === 'string') got[p] = fromBase64(v, p);
    }
  } else if (type.startsWith('application/json')) {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new AppError('INVALID_INPUT', 'the body is not valid JSON');
    }
    for (const p of parts) {
      const v = (body as Record<string, unknown> | null)?.[p];
      if (typeof v === 'string') got[p] = fromBase64(v, p);
      else if (v !== undefined) throw new AppError('INVALID_INPUT', `"${p}" must be a string of base64-encoded image bytes`);
    }
  } else if (parts.length === 1 && (type.startsWith('image/') || type.startsWith('application/octet-stream'))) {
    got[parts[0]!] = Buffer.from(await c.req.arrayBuffer());
  } else {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the photo${parts.length > 1 ? 's' : ''} as multipart/form-data part${parts.length > 1 ? 's' : ''} ${wanted}, as JSON {${parts.map((p) => `"${p}": "<base64>"`).join(', ')}}${parts.length === 1 ? ', or as the raw body with Content-Type image/jpeg (or png, webp...)' : ''}`);
  }
  for (const p of parts) {
    const bytes = got[p];
    if (!bytes) throw new AppError('INVALID_INPUT', `the request has no ${p === parts[0] && parts.length === 1 ? 'photo' : `"${p}" photo`}; send ${wanted} as multipart/form-data file part${parts.length > 1 ? 's' : ''} or base64 in JSON`);
    if (bytes.length > maxFileBytes) {
      throw new AppError('PHOTO_TOO_LARGE', `the "${p}" photo is ${bytes.length} bytes, over index.maxFileBytes ${maxFileBytes}; send a smaller photo, or raise FACETAG_INDEX_MAX_FILE_BYTES`);
    }
  }
  return got as Record<P, Buffer>;
}
