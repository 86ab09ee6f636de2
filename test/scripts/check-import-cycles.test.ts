import { describe, expect, it } from 'vitest';
import { runScript, sourceTrees } from '../helpers/script-check.js';

const check = (...dirs: string[]) => runScript('check-import-cycles.mjs', ...dirs);
/** A folder of source files, `{ 'a.ts': '...' }`. */
const sources = sourceTrees();

describe('npm run check:cycles', () => {
  it('passes on the project (its known cycles listed, none new)', () => {
    const run = check();
    expect(run.out).toContain('import cycles: no new one');
    expect(run.status).toBe(0);
  });

  it('fails naming a cycle of type imports, re-exports and multi-line imports', () => {
    const dir = sources({
      'a.ts': "import type { B } from './b.js';\nexport interface A { b: B }\n",
      'b.ts': "import {\n  c,\n} from './sub/c.js';\nexport type B = number;\nexport const d = c;\n",
      'sub/c.ts': "export * from '../a.js';\nexport const c = 1;\n",
      'd.ts': "import { c } from './sub/c.js';\nexport const e = c;\n",
    });
    const run = check(dir);
    expect(run.status).toBe(1);
    expect(run.out).toMatch(/import cycle: \S*a\.ts -> \S*b\.ts -> \S*sub\/c\.ts -> \S*a\.ts/);
    expect(run.out).not.toContain('d.ts');
  });

  it('fails on a file that imports itself', () => {
    const run = check(sources({ 'self.ts': "import './self.js';\n" }));
    expect(run.status).toBe(1);
    expect(run.out).toMatch(/import cycle: \S*self\.ts -> \S*self\.ts/);
  });

  it('does not count lazy imports, nor imports written in comments or strings', () => {
    const dir = sources({
      'a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'b.ts': [
        '// import { a } from \'./a.js\';',
        "/* import { a } from './a.js'; */",
        "export const help = \"\\nimport { a } from './a.js'\";",
        "export const b = async () => (await import('./a.js')).a;",
      ].join('\n'),
    });
    const run = check(dir);
    expect(run.out).toContain('import cycles: no new one in 2 files');
    expect(run.status).toBe(0);
  });
});
