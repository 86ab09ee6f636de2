import sharp from 'sharp';
import type { Box, RgbImage } from './image.js';

/** Side of a stored face thumbnail in pixels. */
export const THUMB_SIZE = 160;

/**
 * A square JPEG of the face with some context around it, cut from the analysis image
 * (`scale` full-resolution pixels per analysis pixel).
 */
export async function faceThumbnail(image: RgbImage, scale: number, box: Box): Promise<Buffer> {
  const side = Math.max(box.w, box.h) * 1.5 / scale;
  const cx = (box.x + box.w / 2) / scale;
  const cy = (box.y + box.h / 2) / scale;
  const left = Math.max(0, Math.round(cx - side / 2));
  const top = Math.max(0, Math.round(cy - side / 2));
  const width = Math.max(1, Math.min(image.width - left, Math.round(side)));
  const height = Math.max(1, Math.min(image.height - top, Math.round(side)));
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left, top, width, height })
    .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'cover' })
    .jpeg({ quality: 82, mozjpeg: true })
    .toBuffer();
}
