import { cropMatrix, type Box } from './image.js';
import { encodeJpeg } from './image-codec.js';
import type { PhotoPixels } from './photo-pixels.js';

/** Side of a stored face thumbnail in pixels. */
export const THUMB_SIZE = 160;

/**
 * A square JPEG of the face (`box` in full-resolution pixels) with some context around it: a
 * square 1.5 times the box, cut to the photo's edges, its centre filling the thumbnail.
 */
export async function faceThumbnail(pixels: PhotoPixels, box: Box): Promise<Buffer> {
  const { scale } = pixels;
  const side = Math.max(box.w, box.h) * 1.5 / scale;
  const cx = (box.x + box.w / 2) / scale;
  const cy = (box.y + box.h / 2) / scale;
  const left = Math.max(0, Math.round(cx - side / 2));
  const top = Math.max(0, Math.round(cy - side / 2));
  const width = Math.max(1, Math.min(pixels.width - left, Math.round(side)));
  const height = Math.max(1, Math.min(pixels.height - top, Math.round(side)));
  // Cover: the square at the centre of the region cut.
  const cut = Math.min(width, height);
  const region = { x: left + (width - cut) / 2, y: top + (height - cut) / 2, w: cut, h: cut };
  const image = await pixels.view(cropMatrix(region, THUMB_SIZE, THUMB_SIZE), THUMB_SIZE, THUMB_SIZE);
  return encodeJpeg(image, { quality: 82, optimiseCoding: true });
}
