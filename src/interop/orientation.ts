/**
 * Which image a face region's coordinates refer to, and the maps between the two.
 *
 * MWG "Guidelines for Handling Image Metadata" 2.0 (section 5.9, Image Region Metadata, with
 * 5.4, Orientation): region metadata is applied to the *stored* image; a reader that shows
 * the image rotated by its Exif Orientation must rotate the regions the same way, and
 * `mwg-rs:AppliedToDimensions` gives the stored image's size. ExifTool agrees by doing
 * nothing: it reads and writes `RegionInfo` verbatim, never rotating it with `Orientation`
 * (its sample `get_regions.config` applies the rotation itself to get displayed boxes).
 * facetag's boxes are in pixels of the *oriented* (displayed) image, so:
 *
 * - reading, a region is mapped stored → oriented with the photo's orientation;
 * - writing, a box is mapped oriented → stored, and AppliedToDimensions is the stored size.
 *
 * Some writers ignore the rule and store displayed coordinates. When a rotated photo is not
 * square and AppliedToDimensions is the displayed size (width and height swapped), the
 * region is taken as displayed and not rotated again. Microsoft Photo regions
 * (`MPRI:Regions`) have no dimensions; they are read like MWG ones.
 */

/** A rectangle normalised to the image, `x, y` its top-left corner, all in 0..1. */
export interface NormRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A point of the stored image → the same point of the displayed image, for each EXIF orientation. */
function toDisplayed(orientation: number, x: number, y: number): [number, number] {
  switch (orientation) {
    case 2: return [1 - x, y];
    case 3: return [1 - x, 1 - y];
    case 4: return [x, 1 - y];
    case 5: return [y, x];
    case 6: return [1 - y, x];
    case 7: return [1 - y, 1 - x];
    case 8: return [y, 1 - x];
    default: return [x, y];
  }
}

/** The orientation that undoes `orientation` (6 and 8 are each other's inverse; the rest undo themselves). */
const inverse = (orientation: number) => (orientation === 6 ? 8 : orientation === 8 ? 6 : orientation);

function mapRect(orientation: number, r: NormRect): NormRect {
  const [ax, ay] = toDisplayed(orientation, r.x, r.y);
  const [bx, by] = toDisplayed(orientation, r.x + r.w, r.y + r.h);
  return { x: Math.min(ax, bx), y: Math.min(ay, by), w: Math.abs(bx - ax), h: Math.abs(by - ay) };
}

/** A region of the stored image → the same region of the displayed (oriented) image. */
export const storedToDisplayed = (orientation: number, r: NormRect): NormRect => mapRect(orientation, r);

/** A region of the displayed (oriented) image → the same region of the stored image. */
export const displayedToStored = (orientation: number, r: NormRect): NormRect => mapRect(inverse(orientation), r);

/**
 * Whether regions that came with `appliedTo` dimensions refer to the stored image (the MWG
 * rule) or, written by a tool that ignored it, to the displayed one.
 */
export function regionFrame(
  orientation: number, stored: { width: number; height: number }, appliedTo: { w: number; h: number } | null,
): 'stored' | 'displayed' {
  if (orientation < 5 || !appliedTo || stored.width === stored.height) return 'stored';
  const same = (a: number, b: number) => Math.abs(a - b) <= 1;
  const swapped = same(appliedTo.w, stored.height) && same(appliedTo.h, stored.width);
  return swapped ? 'displayed' : 'stored';
}

export const clampRect = (r: NormRect): NormRect => {
  const x = Math.min(1, Math.max(0, r.x));
  const y = Math.min(1, Math.max(0, r.y));
  return { x, y, w: Math.max(0, Math.min(1, r.x + r.w) - x), h: Math.max(0, Math.min(1, r.y + r.h) - y) };
};
