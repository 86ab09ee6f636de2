import { describe, expect, it } from 'vitest';
import { displayedToStored, regionFrame, storedToDisplayed } from './orientation.js';
import { readXmpFaces } from './xmp-read.js';
import { mergeRegionsIntoSidecar } from './xmp-write.js';
import { parseXml, serializeXml } from './xml.js';

/** As Exiv2 (digiKam) writes regions: struct fields as attributes, MP regions and TagsList beside them. */
const DIGIKAM = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:digiKam="http://www.digikam.org/ns/1.0/"
    xmlns:MP="http://ns.microsoft.com/photo/1.2/"
    xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#"
    xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#"
    xmlns:mwg="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:area="http://ns.adobe.com/xmp/sType/Area#"
    xmlns:dim="http://ns.adobe.com/xap/1.0/sType/Dimensions#"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/">
   <digiKam:TagsList><rdf:Seq><rdf:li>People/Ada Lovelace</rdf:li><rdf:li>People/Unknown</rdf:li><rdf:li>Places/London</rdf:li></rdf:Seq></digiKam:TagsList>
   <lr:hierarchicalSubject><rdf:Bag><rdf:li>People|Charles Babbage</rdf:li></rdf:Bag></lr:hierarchicalSubject>
   <MP:RegionInfo rdf:parseType="Resource">
    <MPRI:Regions><rdf:Bag>
     <rdf:li MPReg:Rectangle="0.1, 0.2, 0.2, 0.3" MPReg:PersonDisplayName="Ada Lovelace"/>
     <rdf:li MPReg:Rectangle="0.6, 0.1, 0.1, 0.1" MPReg:PersonDisplayName="Only In MP"/>
    </rdf:Bag></MPRI:Regions>
   </MP:RegionInfo>
   <mwg:Regions rdf:parseType="Resource">
    <mwg:AppliedToDimensions dim:w="4000" dim:h="3000" dim:unit="pixel"/>
    <mwg:RegionList><rdf:Bag>
     <rdf:li><rdf:Description mwg:Name="Ada Lovelace" mwg:Type="Face"><mwg:Area area:x="0.2" area:y="0.35" area:w="0.2" area:h="0.3" area:unit="normalized"/></rdf:Description></rdf:li>
     <rdf:li><rdf:Description mwg:Type="Pet" mwg:Name="Rex"><mwg:Area area:x="0.5" area:y="0.5" area:w="0.1" area:h="0.1" area:unit="normalized"/></rdf:Description></rdf:li>
     <rdf:li rdf:parseType="Resource"><mwg:Type>Face</mwg:Type><mwg:Area rdf:parseType="Resource"><area:x>0.8</area:x><area:y>0.5</area:y><area:w>0.1</area:w><area:h>0.2</area:h><area:unit>normalized</area:unit></mwg:Area></rdf:li>
    </rdf:Bag></mwg:RegionList>
   </mwg:Regions>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;

describe('XMP face regions', () => {
  it('reads MWG regions in every RDF form, MP regions, and person keywords (digiKam, Lightroom)', () => {
    const xmp = readXmpFaces(DIGIKAM);
    const r = xmp.regions.map((x) => ({ name: x.name, schema: x.schema, area: Object.values(x.area).map((v) => Math.round(v * 1000) / 1000) }));
    expect(r).toEqual([
      { name: 'Ada Lovelace', schema: 'mwg', area: [0.1, 0.2, 0.2, 0.3] },
      { name: null, schema: 'mwg', area: [0.75, 0.4, 0.1, 0.2] },
      // the same face in MP form is not counted twice; a face only MP has is kept
      { name: 'Only In MP', schema: 'mp', area: [0.6, 0.1, 0.1, 0.1] },
    ]);
    expect(xmp.regions[0]!.appliedTo).toEqual({ w: 4000, h: 3000 });
    expect(xmp.personKeywords.sort()).toEqual(['Ada Lovelace', 'Charles Babbage']);
  });

  it('refuses what is not XMP, and DOCTYPEs', () => {
    expect(() => readXmpFaces('<a><b></a>')).toThrow(/does not close/);
    expect(() => readXmpFaces('<!DOCTYPE x [<!ENTITY e "boom">]><x/>')).toThrow(/DOCTYPE/);
    expect(() => readXmpFaces('<x:xmpmeta xmlns:x="adobe:ns:meta/"/>')).toThrow(/no rdf:RDF/);
  });

  it('parses and writes back a document unchanged', () => {
    expect(serializeXml(parseXml(DIGIKAM))).toBe(DIGIKAM.replace(/^\uFEFF/, '').replace(/"\uFEFF"/, '"\uFEFF"'));
  });

  it('maps regions between the stored and the displayed image for all eight orientations', () => {
    const r = { x: 0.1, y: 0.2, w: 0.3, h: 0.1 };
    // Orientation 6 (rotate 90° clockwise to display): the stored top edge becomes the right edge.
    expect(storedToDisplayed(6, r)).toEqual({ x: expect.closeTo(0.7), y: 0.1, w: expect.closeTo(0.1), h: expect.closeTo(0.3) });
    for (let o = 1; o <= 8; o++) {
      const back = displayedToStored(o, storedToDisplayed(o, r));
      for (const k of ['x', 'y', 'w', 'h'] as const) expect(back[k]).toBeCloseTo(r[k], 9);
    }
    expect(regionFrame(6, { width: 4000, height: 3000 }, { w: 4000, h: 3000 })).toBe('stored');
    expect(regionFrame(6, { width: 4000, height: 3000 }, { w: 3000, h: 4000 })).toBe('displayed');
    expect(regionFrame(1, { width: 4000, height: 3000 }, { w: 3000, h: 4000 })).toBe('stored');
  });

  it('merges faces into a sidecar: other fields and regions kept, the same face or name replaced', () => {
    const merged = mergeRegionsIntoSidecar(DIGIKAM, [
      { name: 'Ada Lovelace', area: { x: 0.12, y: 0.21, w: 0.2, h: 0.3 } },
      { name: 'Grace Hopper', area: { x: 0.72, y: 0.4, w: 0.1, h: 0.2 } },
    ], { width: 4000, height: 3000 });
    expect(merged).toMatchObject({ written: 2, kept: 1, replaced: 2 });
    const again = readXmpFaces(merged.xml);
    expect(again.regions.filter((r) => r.schema === 'mwg').map((r) => r.name)).toEqual(['Ada Lovelace', 'Grace Hopper']);
    expect(merged.xml).toContain('mwg:Type="Pet"');
    expect(again.personKeywords.sort()).toEqual(['Ada Lovelace', 'Charles Babbage']);
    expect(merged.xml).toContain('MPReg:PersonDisplayName="Only In MP"');
    // its own prefixes, not new ones
    expect(merged.xml).not.toContain('xmlns:mwg-rs');
    // a second export changes nothing
    const twice = mergeRegionsIntoSidecar(merged.xml, [
      { name: 'Ada Lovelace', area: { x: 0.12, y: 0.21, w: 0.2, h: 0.3 } },
      { name: 'Grace Hopper', area: { x: 0.72, y: 0.4, w: 0.1, h: 0.2 } },
    ], { width: 4000, height: 3000 });
    expect(twice.xml).toBe(merged.xml);
  });

  it('writes a new sidecar that it reads back', () => {
    const made = mergeRegionsIntoSidecar(null, [{ name: 'A & <B>', area: { x: 0.25, y: 0.25, w: 0.5, h: 0.25 } }], { width: 640, height: 480 });
    const back = readXmpFaces(made.xml).regions;
    expect(back).toEqual([{ name: 'A & <B>', area: { x: 0.25, y: 0.25, w: 0.5, h: 0.25 }, appliedTo: { w: 640, h: 480 }, schema: 'mwg' }]);
  });
});
