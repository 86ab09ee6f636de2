import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { fixture } from './photos.js';

/** Where the face is in each public-domain fixture (pixels), for cutting tight face crops. */
const FACES = {
  astronaut: { file: 'astronaut.jpg', crop: { left: 163, top: 60, width: 120, height: 120 } },
  cameraman: { file: 'cameraman.png', crop: { left: 182, top: 112, width: 90, height: 90 } },
} as const;

export interface EvalDatasetFacts {
  identities: number;
  labelled: number;
  /** Labelled photos that are tight face crops (both sides <= 160 px). */
  crops: number;
  groups: number;
  groupFaces: number;
  noface: number;
  samePairs: number;
  differentPairs: number;
}

/**
 * A labelled evaluation set in the layout of ../shared/faces, made from the public-domain
 * fixtures: per person the photo, a mirror image, a rescaled copy in another format and a
 * 150x150 grey face crop; a group photo of both side by side; two photos with no face.
 */
export async function makeEvalDataset(dir: string): Promise<EvalDatasetFacts> {
  const rows: string[][] = [];
  const labelled: Array<{ file: string; identity: string }> = [];
  for (const [identity, { file, crop }] of Object.entries(FACES)) {
    const folder = join(dir, 'images', identity);
    mkdirSync(folder, { recursive: true });
    const src = fixture(file);
    const made: Array<[string, sharp.Sharp]> = [
      ['1.jpg', sharp(src).jpeg()],
      ['2.png', sharp(src).flop().png()],
      ['3.webp', sharp(src).resize({ width: 384 }).webp()],
      ['4.png', sharp(src).extract(crop).resize(150, 150).greyscale().png()],
    ];
    for (const [name, image] of made) {
      await image.toFile(join(folder, name));
      labelled.push({ file: `images/${identity}/${name}`, identity });
      // a quoted licence with a comma, as in the real manifest
      rows.push([`images/${identity}/${name}`, identity, '1', 'fixture', `test/fixtures/${file}`, '"public domain, test fixture"']);
    }
  }

  mkdirSync(join(dir, 'groups'), { recursive: true });
  const left = await sharp(fixture(FACES.astronaut.file)).resize(512, 512).toBuffer();
  const right = await sharp(fixture(FACES.cameraman.file)).resize(512, 512).toColourspace('srgb').toBuffer();
  await sharp({ create: { width: 1024, height: 512, channels: 3, background: '#808080' } })
    .composite([{ input: left, left: 0, top: 0 }, { input: right, left: 512, top: 0 }])
    .jpeg()
    .toFile(join(dir, 'groups', 'side-by-side.jpg'));
  rows.push(['groups/side-by-side.jpg', '', '2', 'fixture', 'test/fixtures', 'public domain']);

  mkdirSync(join(dir, 'noface'), { recursive: true });
  await sharp({ create: { width: 640, height: 480, channels: 3, background: '#4a7' } }).jpeg().toFile(join(dir, 'noface', 'green.jpg'));
  const noise = Buffer.alloc(320 * 240 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  await sharp(noise, { raw: { width: 320, height: 240, channels: 3 } }).png().toFile(join(dir, 'noface', 'noise.png'));
  rows.push(['noface/green.jpg', '', '0', 'generated', '', 'public domain'], ['noface/noise.png', '', '0', 'generated', '', 'public domain']);

  writeFileSync(join(dir, 'manifest.csv'), [['file', 'identity', 'faces_expected', 'source', 'source_path', 'license'], ...rows].map((r) => r.join(',')).join('\n') + '\n');

  const pairs: string[][] = [];
  for (let i = 0; i < labelled.length; i++) {
    for (let j = i + 1; j < labelled.length; j++) {
      pairs.push([labelled[i]!.file, labelled[j]!.file, labelled[i]!.identity === labelled[j]!.identity ? '1' : '0']);
    }
  }
  writeFileSync(join(dir, 'pairs.csv'), [['file_a', 'file_b', 'same'], ...pairs].map((r) => r.join(',')).join('\n') + '\n');

  const same = pairs.filter((p) => p[2] === '1').length;
  return {
    identities: Object.keys(FACES).length, labelled: labelled.length, crops: Object.keys(FACES).length,
    groups: 1, groupFaces: 2, noface: 2, samePairs: same, differentPairs: pairs.length - same,
  };
}
