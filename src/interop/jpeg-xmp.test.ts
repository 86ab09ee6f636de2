import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { exiftool, exiftoolWriteRegions, mwgRegion, requireExiftool } from '../../test/helpers/xmp.js';
import { readImageHeader } from '../vision/image-codec.js';
import { scanJpegXmp } from './jpeg-xmp.js';
import { embeddedXmpPacket } from './photo-regions.js';
import { readXmpFaces } from './xmp-read.js';

const suite = 'embedded XMP found in the JPEG header (ExifTool writes the packets)';
const haveExiftool = requireExiftool(suite);

const packet = (body: string) => `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject><rdf:Bag>${body}</rdf:Bag></dc:subject></rdf:Description>
</rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`;

const photo = (width = 96, height = 64) => sharp({ create: { width, height, channels: 3, background: '#7a6050' } });

/** What libvips (the decoder) says the packet is: the reference for every readable file. */
const libvipsPacket = async (bytes: Buffer) => (await readImageHeader(bytes)).xmp;

/** An APP1 segment with `payload`, put right after the SOI of `jpeg`. */
function withApp1(jpeg: Buffer, ...payloads: Buffer[]): Buffer {
  const segments = payloads.map((p) => {
    const head = Buffer.from([0xff, 0xe1, 0, 0]);
    head.writeUInt16BE(p.length + 2, 2);
    return Buffer.concat([head, p]);
  });
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}
const XAP = (xml: string) => Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1'), Buffer.from(xml)]);

describe('scanJpegXmp', () => {
  it('finds the packet libvips finds, after EXIF, ICC and orientation segments', async () => {
    const xml = packet('<rdf:li>Ada Lovelace</rdf:li>');
    const bytes = await photo().withMetadata({ orientation: 6 }).withIccProfile('srgb').withXmp(xml).jpeg().toBuffer();
    const found = scanJpegXmp(bytes);
    expect(found?.packet).toBeInstanceOf(Buffer);
    expect(found!.packet!.equals((await libvipsPacket(bytes))!)).toBe(true);
    expect(readXmpFaces(found!.packet!.toString('utf8')).keywords).toEqual(['Ada Lovelace']);
  });

  it('says a JPEG without XMP has none, and that other formats are not its to read', async () => {
    const plain = await photo().jpeg().toBuffer();
    expect(scanJpegXmp(plain)).toEqual({ packet: null });
    expect(await libvipsPacket(plain)).toBeUndefined();
    expect(scanJpegXmp(await photo().png().toBuffer())).toBeNull();
    expect(scanJpegXmp(Buffer.alloc(0))).toBeNull();
  });

  it('takes the XMP namespace header only: an extension segment or another http APP1 first is passed over', async () => {
    const jpeg = await photo().jpeg().toBuffer();
    const extension = Buffer.concat([Buffer.from('http://ns.adobe.com/xmp/extension/\0', 'latin1'), Buffer.alloc(40), Buffer.from('<ext/>')]);
    const bytes = withApp1(jpeg, extension, Buffer.from('http://example.com/\0<other/>'), XAP('<main/>'), XAP('<second/>'));
    expect(scanJpegXmp(bytes)?.packet?.toString()).toBe('<main/>');
  });

  it('walks fill bytes and standalone markers; gives up (null: ask the decoder) on a damaged header', async () => {
    const jpeg = await photo().jpeg().toBuffer();
    const filled = Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xff, 0xff, 0xd0]), withApp1(jpeg, XAP('<p/>')).subarray(2)]);
    expect(scanJpegXmp(filled)?.packet?.toString()).toBe('<p/>');
    // Bytes where a marker belongs, a length past the end, a segment length under 2.
    expect(scanJpegXmp(Buffer.concat([jpeg.subarray(0, 2), Buffer.from('garbage'), jpeg.subarray(2)]))).toBeNull();
    expect(scanJpegXmp(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0x00]))).toBeNull();
    expect(scanJpegXmp(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0xff, 0xda]))).toBeNull();
  });

  it('never throws on a truncated or corrupted file, and a packet it returns lies within the bytes', async () => {
    const bytes = withApp1(await photo().withMetadata({ orientation: 3 }).jpeg().toBuffer(), XAP(packet('<rdf:li>Grace Hopper</rdf:li>')));
    const whole = scanJpegXmp(bytes)!.packet!;
    let seed = 14;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n <= Math.min(bytes.length, 2000); n++) {
      const found = scanJpegXmp(bytes.subarray(0, n));
      // Cut inside the packet's segment or before it: the decoder decides (it refuses such a file).
      if (found?.packet) expect(found.packet.equals(whole)).toBe(true);
    }
    for (let i = 0; i < 500; i++) {
      const damaged = Buffer.from(bytes);
      for (let k = 0; k < 3; k++) damaged[Math.floor(random() * Math.min(damaged.length, 1500))] = Math.floor(random() * 256);
      const found = scanJpegXmp(damaged);
      if (found?.packet) expect(found.packet.buffer === damaged.buffer && found.packet.byteOffset + found.packet.length <= damaged.byteOffset + damaged.length).toBe(true);
    }
  });

  it('reads a damaged JPEG like the decoder: cut inside its XMP segment, no packet and no error', async () => {
    const bytes = withApp1(await photo().jpeg().toBuffer(), XAP(packet('<rdf:li>Cut</rdf:li>')));
    const cut = bytes.subarray(0, 200);
    expect(scanJpegXmp(cut)).toBeNull();
    await expect(embeddedXmpPacket(cut)).resolves.toBeUndefined();
  });
});

describe('embeddedXmpPacket', () => {
  it('reads PNG and WebP packets through the decoder, as before', async () => {
    const xml = packet('<rdf:li>Katherine Johnson</rdf:li>');
    for (const bytes of [await photo().withXmp(xml).png().toBuffer(), await photo().withXmp(xml).webp().toBuffer()]) {
      const found = await embeddedXmpPacket(bytes);
      expect(found?.equals((await libvipsPacket(bytes))!)).toBe(true);
      expect(readXmpFaces(found!.toString('utf8')).keywords).toEqual(['Katherine Johnson']);
    }
    await expect(embeddedXmpPacket(Buffer.from('not a photo'))).resolves.toBeUndefined();
  });
});

describe.skipIf(!haveExiftool)(suite, () => {
  const dir = mkdtempSync(join(tmpdir(), 'facetag-jpeg-xmp-'));

  it('finds the packet ExifTool wrote (MWG regions on an orientation-6 photo) byte for byte as libvips does', async () => {
    const file = join(dir, 'regions.jpg');
    await photo(120, 80).withMetadata({ orientation: 6 }).jpeg().toFile(file);
    exiftoolWriteRegions(file, { w: 120, h: 80 }, [mwgRegion('Ada Lovelace', { x: 0.3, y: 0.4, w: 0.2, h: 0.3 })], ['-XMP-dc:Subject=Ada Lovelace']);
    const bytes = readFileSync(file);
    const found = scanJpegXmp(bytes)!.packet!;
    expect(found.equals((await libvipsPacket(bytes))!)).toBe(true);
    expect(readXmpFaces(found.toString('utf8')).regions.map((r) => r.name)).toEqual(['Ada Lovelace']);
  });

  it('with extended XMP (a packet over 64 KB), reads the main packet as libvips does', async () => {
    const file = join(dir, 'extended.jpg');
    await photo().jpeg().toFile(file);
    exiftoolWriteRegions(file, { w: 96, h: 64 }, [mwgRegion('Grace Hopper', { x: 0.5, y: 0.5, w: 0.3, h: 0.4 })], [`-XMP-dc:Description=${'long caption '.repeat(8000)}`]);
    const bytes = readFileSync(file);
    expect(bytes.includes('http://ns.adobe.com/xmp/extension/\0')).toBe(true); // ExifTool did split it
    const found = scanJpegXmp(bytes)!.packet!;
    expect(found.equals((await libvipsPacket(bytes))!)).toBe(true);
    expect(found.toString('utf8')).toContain('HasExtendedXMP');
    expect(readXmpFaces(found.toString('utf8')).regions.map((r) => r.name)).toEqual(['Grace Hopper']);
  });

  it('reads a file ExifTool rewrote many times (several APP segments) as libvips does', async () => {
    const file = join(dir, 'rewritten.jpg');
    writeFileSync(file, await photo().withMetadata({ orientation: 8 }).withIccProfile('srgb').jpeg().toBuffer());
    exiftool(['-overwrite_original', '-IPTC:Keywords=Hopper', '-EXIF:Artist=someone', '-XMP-dc:Subject=First', file]);
    exiftool(['-overwrite_original', '-XMP-dc:Subject=Second', '-Comment=a comment', file]);
    const bytes = readFileSync(file);
    const found = scanJpegXmp(bytes)!.packet!;
    expect(found.equals((await libvipsPacket(bytes))!)).toBe(true);
    expect(readXmpFaces(found.toString('utf8')).keywords).toEqual(['Second']);
  });
});
