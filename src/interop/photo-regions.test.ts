import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { personKeywordXmp as personXmp } from '../../test/helpers/xmp.js';
import { readPhotoXmp } from './photo-regions.js';

describe('readPhotoXmp: which sidecars it opens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'facetag-photo-xmp-'));
  const size = { width: 64, height: 48, orientation: 1 };
  const photo = join(dir, 'photo.jpg');
  let bytes: Buffer;

  const people = async (sidecars?: Array<'full' | 'base'>) => {
    const xmp = await readPhotoXmp(photo, bytes, size, sidecars);
    return { people: [...xmp.personKeywords].sort(), problems: xmp.problems };
  };

  it('without a listing, tries photo.jpg.xmp then photo.xmp (the first readable one counts), as always', async () => {
    bytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#444' } }).withXmp(personXmp('Embedded Person')).jpeg().toBuffer();
    writeFileSync(photo, bytes);
    writeFileSync(join(dir, 'photo.jpg.xmp'), personXmp('Full Sidecar'));
    writeFileSync(join(dir, 'photo.xmp'), personXmp('Base Sidecar'));
    expect(await people()).toEqual({ people: ['Embedded Person', 'Full Sidecar'], problems: [] });
    rmSync(join(dir, 'photo.jpg.xmp'));
    expect(await people()).toEqual({ people: ['Base Sidecar', 'Embedded Person'], problems: [] });
  });

  it('with a listing, opens only the sidecars it shows: none listed, none read even if one appeared since', async () => {
    writeFileSync(join(dir, 'photo.jpg.xmp'), personXmp('Full Sidecar'));
    expect(await people([])).toEqual({ people: ['Embedded Person'], problems: [] });
    expect(await people(['base'])).toEqual({ people: ['Base Sidecar', 'Embedded Person'], problems: [] });
    expect(await people(['full', 'base'])).toEqual({ people: ['Embedded Person', 'Full Sidecar'], problems: [] });
  });

  it('a listed sidecar that is gone or no file is no sidecar; a broken one is a problem, the next one is read', async () => {
    rmSync(join(dir, 'photo.jpg.xmp'));
    expect(await people(['full'])).toEqual({ people: ['Embedded Person'], problems: [] });
    mkdirSync(join(dir, 'photo.jpg.xmp'));
    expect(await people(['full', 'base'])).toEqual({ people: ['Base Sidecar', 'Embedded Person'], problems: [] });
    rmSync(join(dir, 'photo.jpg.xmp'), { recursive: true });
    writeFileSync(join(dir, 'photo.jpg.xmp'), '<not xmp');
    const broken = await people(['full', 'base']);
    expect(broken.people).toEqual(['Base Sidecar', 'Embedded Person']);
    expect(broken.problems).toEqual([expect.stringMatching(/^sidecar \.<ext>\.xmp: /)]);
  });
});
