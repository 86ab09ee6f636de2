import { AppError } from '../errors.js';

/**
 * The catalog's "no such thing" errors, worded once for both adapters: each names what is missing
 * and where to look. The errors of a refused decision are in decision-rules.ts and
 * annotation-rules.ts.
 */

export const faceNotFound = (id: number) => new AppError('NOT_FOUND', `face ${id} does not exist; list faces with \`facetag faces list\``);

export const personNotFound = (id: number) => new AppError('NOT_FOUND', `person ${id} does not exist; list people with \`facetag people list\``);

/** A photo a face or an event is put on: it must be indexed (not only failed). */
export const photoNotIndexed = (id: number) =>
  new AppError('NOT_FOUND', `photo ${id} does not exist or was not indexed; list photos with \`facetag photos list\``);

/** Faces are drawn by hand only on an indexed photo (`status` done). */
export function checkIndexedPhoto(id: number, photo: { status: string } | undefined): void {
  if (!photo || photo.status !== 'done') throw photoNotIndexed(id);
}

/** A dismissed box of a dump whose photo the import has not restored. */
export const dismissalPhotoMissing = (photoId: number) =>
  new AppError('NOT_FOUND', `photo ${photoId} does not exist; import the photos before their dismissed boxes`);

export const mergeNotFound = (id: number) =>
  new AppError('NOT_FOUND', `merge ${id} does not exist; \`facetag people unmerge PERSON\` undoes a person's latest merge`);

export const eventNotFound = (id: number) => new AppError('NOT_FOUND', `event ${id} does not exist`);

export const suggestionNotFound = (id: number) => new AppError('NOT_FOUND', `suggestion ${id} does not exist; list them with \`facetag suggest list\``);
