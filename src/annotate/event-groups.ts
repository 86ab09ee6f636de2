/** A run of photos close in time and place: the deterministic half of an event suggestion. */
export interface PhotoGroup {
  photoIds: number[];
  startAt: string;
  endAt: string;
}

export interface GroupOptions {
  /** A gap longer than this between two photos starts a new group. @default 6 */
  gapHours?: number;
  /** Two photos further apart than this (both with GPS) are in different groups. @default 30 */
  maxKm?: number;
  /** Smaller groups are not events. @default 3 */
  minPhotos?: number;
}

type Located = { id: number; takenAt: string | null; gps: { lat: number; lon: number } | null };

export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

const ms = (t: string) => Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`);

/**
 * Groups photos by time taken (a gap over `gapHours` splits) and place (a jump over `maxKm`
 * between photos with GPS splits). Photos without a time are left out. Same input, same groups.
 */
export function groupPhotos(photos: Located[], options: GroupOptions = {}): PhotoGroup[] {
  const gap = (options.gapHours ?? 6) * 3600_000;
  const maxKm = options.maxKm ?? 30;
  const minPhotos = options.minPhotos ?? 3;
  const timed = photos.filter((p) => p.takenAt && Number.isFinite(ms(p.takenAt))).sort((a, b) => ms(a.takenAt!) - ms(b.takenAt!) || a.id - b.id);
  const groups: Located[][] = [];
  let current: Located[] = [];
  let lastGps: Located['gps'] = null;
  for (const p of timed) {
    const prev = current.at(-1);
    const far = lastGps && p.gps ? distanceKm(lastGps, p.gps) > maxKm : false;
    if (prev && (ms(p.takenAt!) - ms(prev.takenAt!) > gap || far)) {
      groups.push(current);
      current = [];
      lastGps = null;
    }
    current.push(p);
    if (p.gps) lastGps = p.gps;
  }
  if (current.length) groups.push(current);
  return groups.filter((g) => g.length >= minPhotos).map((g) => ({
    photoIds: g.map((p) => p.id).sort((a, b) => a - b), startAt: g[0]!.takenAt!, endAt: g.at(-1)!.takenAt!,
  }));
}
