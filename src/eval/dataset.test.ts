import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, parseCsv } from './dataset.js';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and CRLF line ends', () => {
    expect(parseCsv('a,b,c\r\n1,"x, ""y""",3\r\n\r\n4,,6')).toEqual([['a', 'b', 'c'], ['1', 'x, "y"', '3'], ['4', '', '6']]);
  });
});

function makeSet(manifest: string, pairs?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'facetag-dataset-'));
  for (const f of ['images/ann/1.jpg', 'images/ann/2.jpg', 'images/bob/1.jpg', 'groups/g.jpg', 'noface/n.jpg']) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), 'x');
  }
  writeFileSync(join(dir, 'manifest.csv'), manifest);
  if (pairs !== undefined) writeFileSync(join(dir, 'pairs.csv'), pairs);
  return dir;
}

const HEADER = 'file,identity,faces_expected,source,source_path,license\n';
const ROWS = 'images/ann/1.jpg,ann,1,s,p,"MIT, see repo"\nimages/ann/2.jpg,ann,1,s,p,l\nimages/bob/1.jpg,bob,1,s,p,l\ngroups/g.jpg,,3,s,p,l\nnoface/n.jpg,,0,s,p,l\n';

describe('loadDataset', () => {
  it('sorts the rows into labelled, group and no-face photos and reads the pairs', () => {
    const dir = makeSet(HEADER + ROWS, 'file_a,file_b,same\nimages/ann/1.jpg,images/ann/2.jpg,1\nimages/ann/1.jpg,images/bob/1.jpg,0\n');
    const d = loadDataset(dir);
    expect(d.labelled.map((p) => [p.file, p.identity])).toEqual([['images/ann/1.jpg', 'ann'], ['images/ann/2.jpg', 'ann'], ['images/bob/1.jpg', 'bob']]);
    expect(d.groups).toEqual([{ file: 'groups/g.jpg', path: join(dir, 'groups/g.jpg'), facesExpected: 3 }]);
    expect(d.noface.map((p) => p.file)).toEqual(['noface/n.jpg']);
    expect(d.pairs).toEqual([
      { fileA: 'images/ann/1.jpg', fileB: 'images/ann/2.jpg', same: true },
      { fileA: 'images/ann/1.jpg', fileB: 'images/bob/1.jpg', same: false },
    ]);
  });

  it('has no pairs without pairs.csv', () => {
    expect(loadDataset(makeSet(HEADER + ROWS)).pairs).toBeNull();
  });

  it('names the folder when there is no manifest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facetag-dataset-'));
    expect(() => loadDataset(dir)).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringContaining(`${dir} has no manifest.csv`) }));
    expect(() => loadDataset(join(dir, 'nope'))).toThrow(expect.objectContaining({ code: 'FOLDER_NOT_FOUND' }));
  });

  it('names the line, column and value of a bad row', () => {
    expect(() => loadDataset(makeSet(`${HEADER}${ROWS}groups/g2.jpg,,many,s,p,l\n`))).toThrow(/manifest\.csv line 7: faces_expected "many" must be a whole number; fix that row/);
    expect(() => loadDataset(makeSet(`${HEADER}other/x.jpg,,1,s,p,l\n`))).toThrow(/line 2: file "other\/x.jpg" must start with images\/, groups\/ or noface\//);
    expect(() => loadDataset(makeSet(`${HEADER}${ROWS}images/cy/1.jpg,cy,1,s,p,l\n`))).toThrow(/line 7: images\/cy\/1.jpg is not in .*restore the file or remove its row/);
    expect(() => loadDataset(makeSet('file,who\n'))).toThrow(/no column identity, faces_expected/);
  });

  it('rejects a pair whose same column contradicts the identities', () => {
    const dir = makeSet(HEADER + ROWS, 'file_a,file_b,same\nimages/ann/1.jpg,images/bob/1.jpg,1\n');
    expect(() => loadDataset(dir)).toThrow(/pairs\.csv line 2: same=1 but images\/ann\/1.jpg is ann and images\/bob\/1.jpg is bob/);
  });
});
