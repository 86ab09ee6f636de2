import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The dashboard: Preact + TypeScript, two pages (the dashboard and the login page), everything
 * bundled into web/dist (no CDN). `facetag serve` builds it when it is missing or stale.
 */
export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    rolldownOptions: { input: { index: `${root}index.html`, login: `${root}login.html` } },
  },
});
