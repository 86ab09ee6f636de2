import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HttpError } from './http-error.js';
import { imagesBodyLimit } from './image-upload.js';
import type { AnyRoute } from './route.js';

const JSON_BYTES = 1024 * 1024;

/**
 * How large a request body may be: JSON bodies up to 1 MiB; the routes that take photos
 * (`images`) each photo up to `index.maxFileBytes`, as for indexing. Past it, 413 before the
 * body is read whole.
 */
export function bodyLimits(routes: AnyRoute[], maxFileBytes: number): MiddlewareHandler {
  const json = bodyLimit({
    maxSize: JSON_BYTES,
    onError: () => {
      throw new HttpError(413, 'PAYLOAD_TOO_LARGE', 'the body is over 1 MiB');
    },
  });
  const photos = routes.filter((r) => r.images).map((r) => {
    const maxSize = imagesBodyLimit(r.images!.length, maxFileBytes);
    return {
      method: r.method.toUpperCase(),
      path: new RegExp(`^${r.path.replace(/:[A-Za-z_]+/g, '[^/]+')}/?$`),
      limit: bodyLimit({
        maxSize,
        onError: () => {
          throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `the body is over ${maxSize} bytes: each photo may be up to index.maxFileBytes (${maxFileBytes}); send a smaller one`);
        },
      }),
    };
  });
  return (c, next) => (photos.find((r) => r.method === c.req.method && r.path.test(c.req.path))?.limit ?? json)(c, next);
}
