import { execFileSync, spawnSync } from 'node:child_process';

/**
 * ExifTool is the reference reader and writer of XMP face regions for these tests. Outside
 * CI a suite that needs it is skipped with a loud message; under CI=true its absence is an
 * error (`.ci/run` installs Debian's libimage-exiftool-perl).
 */
export function requireExiftool(suite: string): boolean {
  const found = spawnSync('exiftool', ['-ver'], { encoding: 'utf8' });
  if (found.status === 0) return true;
  if (process.env.CI === 'true') throw new Error(`${suite}: exiftool is missing, and CI=true requires this suite to run (apt-get install libimage-exiftool-perl)`);
  console.warn(`\n!!! SKIPPED: ${suite} needs exiftool (apt-get install libimage-exiftool-perl), which is absent !!!\n`);
  return false;
}

/** Runs exiftool; throws with its stderr when it fails. */
export function exiftool(args: string[]): string {
  return execFileSync('exiftool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Reads tags of files as ExifTool's structured JSON (`-struct -j`), one object per file. */
export function exiftoolJson(args: string[]): Array<Record<string, any>> {
  return JSON.parse(exiftool(['-j', '-struct', '-n', ...args])) as Array<Record<string, any>>;
}

/** One MWG face region in ExifTool's structured form (centre x, y; normalised). */
export function mwgRegion(name: string, area: { x: number; y: number; w: number; h: number }) {
  return { Area: { X: area.x, Y: area.y, W: area.w, H: area.h, Unit: 'normalized' }, Name: name, Type: 'Face' };
}

/** Writes MWG regions with ExifTool (`-RegionInfo=` from a JSON struct). */
export function exiftoolWriteRegions(file: string, dims: { w: number; h: number }, regions: ReturnType<typeof mwgRegion>[], extra: string[] = []) {
  const info = { AppliedToDimensions: { W: dims.w, H: dims.h, Unit: 'pixel' }, RegionList: regions };
  exiftool(['-overwrite_original', '-struct', `-XMP-mwg-rs:RegionInfo=${toExiftoolStruct(info)}`, ...extra, file]);
}

/** ExifTool's struct syntax: {Field=value,List=[...]} with `|` escaping the specials. */
function toExiftoolStruct(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(toExiftoolStruct).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${k}=${toExiftoolStruct(x)}`).join(',')}}`;
  return String(v).replace(/[,[\]{}|]/g, (c) => `|${c}`);
}

/** An XMP packet (or sidecar) with one person keyword, as Lightroom writes it (`People|Name`), written by hand: no ExifTool needed. */
export const personKeywordXmp = (name: string) => `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:lr="http://ns.adobe.com/lightroom/1.0/"><lr:hierarchicalSubject><rdf:Bag><rdf:li>People|${name}</rdf:li></rdf:Bag></lr:hierarchicalSubject></rdf:Description>
</rdf:RDF></x:xmpmeta>`;
