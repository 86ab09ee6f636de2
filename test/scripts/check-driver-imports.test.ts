import { describe, expect, it } from 'vitest';
import { runScript, sourceTrees } from '../helpers/script-check.js';

const check = (root?: string) => runScript('check-driver-imports.mjs', ...(root ? [root] : []));
/** A project root holding `files` (`{ 'src/a.ts': '...' }`). */
const project = sourceTrees();

describe('npm run check:drivers', () => {
  it('passes on the project: sharp only in the vision codec, each driver in its adapter', () => {
    const run = check();
    expect(run.out).toContain('driver imports: each driver only in its module');
    expect(run.status).toBe(0);
  });

  it('fails naming a file outside the codec that imports sharp, statically or lazily, and the module to use', () => {
    const root = project({
      'src/vision/image-codec.ts': "import sharp from 'sharp';\nexport const s = sharp;\n",
      'src/server/images.ts': "import sharp from 'sharp';\nexport const s = sharp;\n",
      'src/interop/lazy.ts': "export const s = () => import('sharp');\n",
      'src/annotate/types.ts': "import type { Sharp } from 'sharp';\nexport type S = Sharp;\n",
    });
    const run = check(root);
    expect(run.status).toBe(1);
    expect(run.out).toContain('sharp imported by src/server/images.ts: only src/vision/image-codec.ts');
    expect(run.out).toContain('sharp imported by src/interop/lazy.ts');
    expect(run.out).toContain('sharp imported by src/annotate/types.ts');
    expect(run.out).not.toContain('by src/vision/image-codec.ts');
  });

  it('lets tests import sharp for fixtures, and ignores imports written in comments', () => {
    const root = project({
      'src/server/images.test.ts': "import sharp from 'sharp';\nexport const s = sharp;\n",
      'src/server/images.ts': "// import sharp from 'sharp';\n/* import('sharp') */\nexport const s = 1;\n",
    });
    const run = check(root);
    expect(run.out).toContain('driver imports: each driver only in its module (1 files checked)');
    expect(run.status).toBe(0);
  });

  it('confines the other drivers to their adapters', () => {
    const root = project({
      'src/catalog/neo4j-catalog.ts': "import neo4j from 'neo4j-driver';\nexport const n = neo4j;\n",
      'src/ingest/run.ts': "import { Queue } from 'bullmq';\nimport * as ort from 'onnxruntime-node';\nexport const q = [Queue, ort];\n",
    });
    const run = check(root);
    expect(run.status).toBe(1);
    expect(run.out).toContain('bullmq imported by src/ingest/run.ts');
    expect(run.out).toContain('onnxruntime-node imported by src/ingest/run.ts');
    expect(run.out).not.toContain('neo4j-driver imported');
  });
});
