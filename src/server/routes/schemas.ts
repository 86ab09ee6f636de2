import { z } from 'zod/v4';

/** Shapes shared by the routes: inputs are validated with them, answers documented. */
export const idParam = z.object({ id: z.coerce.number().int().positive().describe('numeric id') });

export const paging = {
  limit: z.coerce.number().int().min(1).max(200).default(60).describe('page size (1-200)'),
  offset: z.coerce.number().int().min(0).default(0).describe('items to skip'),
};

export const box = z.object({
  x: z.number().min(0), y: z.number().min(0), w: z.number().positive(), h: z.number().positive(),
}).describe('pixels of the oriented full-resolution photo; x, y is the top-left corner');

export const faceIds = z.array(z.number().int().positive()).min(1).max(1000);

export const person = z.object({
  id: z.number(), name: z.string().nullable(), hidden: z.boolean(), faceCount: z.number(),
  coverFaceId: z.number().nullable(), createdAt: z.string(), mergedInto: z.number().nullable(),
});

export const merge = z.object({
  id: z.number(), intoId: z.number(), fromId: z.number(), faceCount: z.number(), at: z.string(), undoneAt: z.string().nullable(),
});

export const face = z.object({
  id: z.number(), photoId: z.number(), box, landmarks: z.array(z.tuple([z.number(), z.number()])),
  detScore: z.number(), quality: z.number(), model: z.string(), personId: z.number().nullable(),
  source: z.enum(['auto', 'confirmed', 'manual', 'xmp']).nullable(), distance: z.number().nullable(),
  thumbKey: z.string().nullable(), manual: z.boolean(),
  doubtful: z.boolean().describe('drawn by hand where the face check saw no face: out of clustering until put on someone'),
});

export const photo = z.object({
  id: z.number(), path: z.string(), sha256: z.string().nullable(), size: z.number(), width: z.number().nullable(),
  height: z.number().nullable(), takenAt: z.string().nullable(), status: z.enum(['done', 'failed']),
  errorCode: z.string().nullable(), errorMessage: z.string().nullable(), indexedAt: z.string(), faceCount: z.number(),
});

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: z.number() });

export const ok = z.object({ ok: z.literal(true) });
