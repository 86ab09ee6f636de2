import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { photoSourceContract } from './photo-source-contract.js';

photoSourceContract('folder', async (files) => {
  const root = mkdtempSync(join(tmpdir(), 'facetag-source-'));
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), bytes);
  }
  return {
    where: root,
    config: loadConfig({ env: {} }),
    remove: async (name) => rmSync(join(root, name)),
    moved: async (name) => !existsSync(join(root, name)),
  };
});
