#!/usr/bin/env node
// First, before any of facetag's threads allocate: glibc's malloc arenas capped (src/malloc-arenas.mjs).
import { capMallocArenas } from '../src/malloc-arenas.mjs';

capMallocArenas(process.env);
// facetag runs from its TypeScript sources through tsx's loader: no build step to forget.
const { register } = await import('tsx/esm/api');
register();
await import('../src/main.ts');
