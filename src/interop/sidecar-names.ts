/**
 * Which files are a photo's XMP sidecars, decided here for every reader and writer of them
 * (the index's import, `export xmp`, the LLM's photo facts) and for the folder walk that notes
 * which of them exist.
 */

/** `full`: `photo.jpg.xmp` (digiKam, darktable, ExifTool's default); `base`: `photo.xmp` (Lightroom, Capture One). */
export type SidecarNaming = 'full' | 'base';

/** The namings in the order a reader tries them: `photo.jpg.xmp` wins over `photo.xmp`. */
export const SIDECAR_NAMINGS: readonly SidecarNaming[] = ['full', 'base'];

export function sidecarPath(photoPath: string, naming: SidecarNaming): string {
  return naming === 'full' ? `${photoPath}.xmp` : `${photoPath.replace(/\.[^./\\]*$/, '')}.xmp`;
}

/** No sidecar: one frozen list that every photo without one shares. */
export const NO_SIDECARS: readonly SidecarNaming[] = Object.freeze([]);

/**
 * The sidecars a folder listing shows beside a photo: the namings whose file name is among
 * `lowerNames` (the folder's entry names, lower-cased), in reading order. Names are compared
 * without case so that a case-insensitive file system (macOS, a Windows share), where
 * `IMG_1.JPG.XMP` opens as `IMG_1.JPG.xmp`, keeps every sidecar it has; on a case-sensitive one
 * such a near miss costs one failed open, as it did before listings were used.
 */
export function sidecarsListed(photoName: string, lowerNames: ReadonlySet<string>): readonly SidecarNaming[] {
  const listed = SIDECAR_NAMINGS.filter((naming) => lowerNames.has(sidecarPath(photoName, naming).toLowerCase()));
  return listed.length > 0 ? listed : NO_SIDECARS;
}
