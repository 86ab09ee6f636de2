import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseXml, findAll } from '../../src/interop/xml.js';
import { json, runFacetag } from '../helpers/cli.js';
import { fixture } from '../helpers/photos.js';
import { exiftool, exiftoolJson, exiftoolWriteRegions, mwgRegion, requireExiftool } from '../helpers/xmp.js';

const suite = 'XMP interoperability (ExifTool as the reference reader and writer)';
const haveExiftool = requireExiftool(suite);

/**
 * Face boxes are worked out by hand here, not with facetag's code: in the displayed
 * astronaut photo (512x512) the face is about (163, 60, 120, 120) and in the displayed
 * cameraman photo about (182, 112, 90, 90). Orientation 6 shows the stored image rotated 90°
 * clockwise, so a displayed point (x', y') is the stored point (y', 1 - x') (normalised), and
 * MWG regions are given in the stored image.
 */
const stored6 = (d: { x: number; y: number; w: number; h: number }) => {
  const x = d.y;
  const y = 1 - d.x - d.w;
  const [w, h] = [d.h, d.w];
  return { x: x + w / 2, y: y + h / 2, w, h }; // MWG: centre and size
};
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe.skipIf(!haveExiftool)(suite, () => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-xmp-'));
  const photos = join(root, 'photos');
  const data = join(root, 'data');
  const ft = async (...args: string[]) => {
    const r = await runFacetag([...args, '--data', data], { env: { FACETAG_CLUSTER_MIN_SEED_QUALITY: '0' } });
    if (r.code !== 0) throw new Error(`facetag ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r;
  };
  const rotated = () => join(photos, 'rotated.jpg');
  const group = () => join(photos, 'group.jpg');
  const keyworded = () => join(photos, 'keyworded.jpg');
  let summary: any;
  let faces: any[];
  let people: any[];

  beforeAll(async () => {
    mkdirSync(photos);
    // 1. The astronaut, stored sideways with Orientation 6; ExifTool embeds two named regions in it:
    //    her face, and a region where the detector finds no face (it is added as a face).
    copyFileSync(fixture('astronaut-rotated.jpg'), rotated());
    exiftoolWriteRegions(rotated(), { w: 512, h: 512 }, [
      mwgRegion('Eileen Collins', stored6({ x: 163 / 512, y: 60 / 512, w: 120 / 512, h: 120 / 512 })),
      mwgRegion('Flag Bearer', stored6({ x: 0.72, y: 0.55, w: 0.2, h: 0.2 })),
    ]);
    // 2. Two faces side by side (1024x512 displayed), stored rotated with Orientation 6; regions in a sidecar.
    const left = await sharp(fixture('astronaut.jpg')).resize(512, 512).toBuffer();
    const right = await sharp(fixture('cameraman.png')).resize(512, 512).toColourspace('srgb').toBuffer();
    const upright = await sharp({ create: { width: 1024, height: 512, channels: 3, background: '#808080' } })
      .composite([{ input: left, left: 0, top: 0 }, { input: right, left: 512, top: 0 }]).jpeg().toBuffer();
    await sharp(upright).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toFile(group());
    exiftool(['-o', `${group()}.xmp`, group()]); // a sidecar with the photo's own XMP, as a catalogue would start one
    exiftoolWriteRegions(`${group()}.xmp`, { w: 512, h: 1024 }, [
      mwgRegion('Eileen Collins', stored6({ x: 163 / 1024, y: 60 / 512, w: 120 / 1024, h: 120 / 512 })),
      mwgRegion('Lav Varshney', stored6({ x: (512 + 182) / 1024, y: 112 / 512, w: 90 / 1024, h: 90 / 512 })),
    ]);
    // 3. One face, no region, a digiKam person keyword in a photo.xmp sidecar (Lightroom naming).
    await sharp(fixture('astronaut.jpg')).resize(460).jpeg().toFile(keyworded());
    exiftool(['-XMP-digiKam:TagsList=People/Eileen Collins', '-XMP-dc:Subject=Eileen Collins', join(photos, 'keyworded.xmp')]);

    summary = json((await ft('index', photos, '--json')));
    faces = json(await ft('faces', 'list', '--json'));
    people = json(await ft('people', 'list', '--json'));
  });

  const personNamed = (name: string) => people.find((p) => p.name === name)?.id;
  const facesOf = (file: string) => faces.filter((f) => f.file === file);

  it('imports regions ExifTool wrote (embedded and in sidecars) on orientation-6 photos, matched to detected faces', () => {
    expect(summary.xmp).toEqual({ regions: 4, matched: 3, added: 1, skipped: 0, byKeyword: 1 });
    const eileen = personNamed('Eileen Collins');
    const lav = personNamed('Lav Varshney');
    expect(eileen).toBeDefined();
    expect(lav).toBeDefined();
    const inRotated = facesOf(rotated());
    expect(inRotated.filter((f) => !f.manual).map((f) => [f.personId, f.source])).toEqual([[eileen, 'xmp']]);
    // The region in the stored image lands on the face in the displayed one: about (163, 60, 120, 120).
    const face = inRotated.find((f) => !f.manual)!;
    expect(Math.abs(face.box.x + face.box.w / 2 - 223)).toBeLessThan(30);
    expect(Math.abs(face.box.y + face.box.h / 2 - 120)).toBeLessThan(30);
    const drawn = inRotated.filter((f) => f.manual);
    expect(drawn.map((f) => [f.personId, f.source])).toEqual([[personNamed('Flag Bearer'), 'xmp']]);
    expect(drawn[0].box.x).toBeGreaterThan(0.7 * 512 - 2);
    const inGroup = facesOf(group()).sort((a, b) => a.box.x - b.box.x);
    expect(inGroup.map((f) => [f.personId, f.source])).toEqual([[eileen, 'xmp'], [lav, 'xmp']]);
  });

  it('takes a person keyword as evidence for the only face of a photo', () => {
    expect(facesOf(keyworded()).map((f) => [f.personId, f.source])).toEqual([[personNamed('Eileen Collins'), 'auto']]);
  });

  it('writes named faces into sidecars that ExifTool reads, merged with the fields already there, photos untouched', async () => {
    exiftool(['-XMP-dc:Subject=holiday', '-XMP-dc:Subject=space', '-XMP-xmp:Rating=4', `${rotated()}.xmp`]);
    const before = [rotated(), group(), keyworded()].map(sha);
    const report = json(await ft('export', 'xmp', '--json'));
    expect(report).toMatchObject({ photos: 3, created: 1, updated: 2, unchanged: 0, faces: 5, skipped: [] });
    expect([rotated(), group(), keyworded()].map(sha)).toEqual(before);

    const [side] = exiftoolJson(['-XMP-mwg-rs:RegionInfo', '-XMP-dc:Subject', '-XMP-xmp:Rating', `${rotated()}.xmp`]);
    expect(side!.Subject).toEqual(['holiday', 'space']);
    expect(side!.Rating).toBe(4);
    expect(side!.RegionInfo.AppliedToDimensions).toEqual({ W: 512, H: 512, Unit: 'pixel' });
    const list = side!.RegionInfo.RegionList as any[];
    expect(list.map((r) => [r.Name, r.Type, r.Area.Unit]).sort()).toEqual([['Eileen Collins', 'Face', 'normalized'], ['Flag Bearer', 'Face', 'normalized']]);
    // Her face is written in the stored (unrotated) image, where ExifTool-written regions put it.
    const area = list.find((r) => r.Name === 'Eileen Collins').Area;
    const expected = stored6({ x: 163 / 512, y: 60 / 512, w: 120 / 512, h: 120 / 512 });
    expect(Math.abs(area.X - expected.x)).toBeLessThan(0.06);
    expect(Math.abs(area.Y - expected.y)).toBeLessThan(0.06);

    const [g] = exiftoolJson(['-XMP-mwg-rs:RegionInfo', `${group()}.xmp`]);
    expect(g!.RegionInfo.AppliedToDimensions).toMatchObject({ W: 512, H: 1024 });
    expect((g!.RegionInfo.RegionList as any[]).map((r) => r.Name).sort()).toEqual(['Eileen Collins', 'Lav Varshney']);
    const [k] = exiftoolJson(['-XMP-mwg-rs:RegionInfo', `${keyworded()}.xmp`]);
    expect(k!.RegionInfo.RegionList.map((r: any) => r.Name)).toEqual(['Eileen Collins']);

    const again = json(await ft('export', 'xmp', '--json'));
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    const dry = json(await ft('export', 'xmp', '--sidecar', 'base', '--dry-run', '--json'));
    expect(dry).toMatchObject({ dryRun: true, created: 2, updated: 1 });
    expect(existsSync(join(photos, 'rotated.xmp'))).toBe(false);
  });

  it('reads its own sidecars back into a fresh catalog with the same names', async () => {
    const fresh = join(root, 'data2');
    const r = await runFacetag(['index', photos, '--data', fresh, '--json']);
    expect(r.code).toBe(0);
    expect(json(r).xmp).toMatchObject({ regions: 5, skipped: 0 });
    const names = json(await runFacetag(['people', 'list', '--data', fresh, '--json'])).map((p: any) => p.name).sort();
    expect(names).toEqual(['Eileen Collins', 'Flag Bearer', 'Lav Varshney']);
  });

  it('exports people and faces as JSON and CSV, and the graph as GraphML', async () => {
    const ppl = json(await ft('export', 'people'));
    expect(ppl.map((p: any) => p.name).sort()).toEqual(['Eileen Collins', 'Flag Bearer', 'Lav Varshney']);
    const csv = (await ft('export', 'faces', '--format', 'csv')).stdout.trim().split('\r\n');
    expect(csv[0]).toBe('id,photoId,file,x,y,w,h,personId,person,source,detScore,quality,manual');
    expect(csv).toHaveLength(faces.length + 1);
    expect(csv.some((l) => l.includes(',Lav Varshney,xmp,'))).toBe(true);
    const out = join(root, 'graph.graphml');
    await ft('export', 'graph', '--photos', '--out', out);
    const doc = parseXml(readFileSync(out, 'utf8'));
    const G = 'http://graphml.graphdrawing.org/xmlns';
    const edges = findAll(doc, G, 'edge');
    const eileen = personNamed('Eileen Collins');
    const lav = personNamed('Lav Varshney');
    const co = edges.find((e) => e.attrs.some((a) => a.name === 'id' && a.value === `co-${Math.min(eileen, lav)}-${Math.max(eileen, lav)}`));
    expect(co).toBeDefined();
    expect(findAll(co!.children, G, 'data').map((d) => (d.children[0] as any).text)).toEqual(['CO_OCCURS', '1']);
    expect(findAll(doc, G, 'node').filter((n) => n.attrs.some((a) => a.value.startsWith('photo-')))).toHaveLength(3);
  });
});
