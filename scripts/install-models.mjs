#!/usr/bin/env node
// Installs facetag's default face models at `npm ci`, from the npm registry only.
//
// The models come from the tarball of `faceplugin-face-recognition-js@0.0.1` (MIT). We take
// three ONNX files from it and nothing else: depending on the package itself would pull ~700
// packages with install scripts. The tarball is fetched with `npm pack` (so the user's
// registry, proxy and cache settings apply, and an offline install works from a warm cache),
// its integrity is checked against the registry's pinned sha512, and each file against its
// pinned sha256. Nothing is written to models/ unless every check passes.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'models', 'faceplugin');
const spec = 'faceplugin-face-recognition-js@0.0.1';
const integrity =
  'sha512-shriXjd4zJHEwhK1jHK+bWo8Vv6Vu9B/w6RRsd4AFtNM/jaI2vhuOamOSMl9qQmLd8WlQ7dgqN+3C2iOi5pXWw==';
const files = {
  'fr_detect.onnx': '6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854',
  'fr_landmark.onnx': 'f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258',
  'fr_feature.onnx': '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581',
};

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const installed = () => Object.entries(files).every(([f, h]) => existsSync(join(target, f)) && sha256(join(target, f)) === h);

function fail(message) {
  console.error(`facetag: could not install the default face models: ${message}`);
  console.error('facetag: fix the cause and run `npm run postinstall` (or `npm ci`) again.');
  process.exit(1);
}

if (installed()) process.exit(0);

const work = mkdtempSync(join(tmpdir(), 'facetag-models-'));
try {
  const npmCli = process.env.npm_execpath;
  const [cmd, args] = npmCli && npmCli.endsWith('.js')
    ? [process.execPath, [npmCli]]
    : ['npm', []];
  try {
    execFileSync(cmd, [...args, 'pack', spec, '--silent', '--pack-destination', work], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch (error) {
    fail(`\`npm pack ${spec}\` failed (${error.message}); the npm registry must be reachable, or the package in the npm cache`);
  }
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) fail(`\`npm pack ${spec}\` produced no tarball`);
  const digest = 'sha512-' + createHash('sha512').update(readFileSync(join(work, tarball))).digest('base64');
  if (digest !== integrity) fail(`${tarball} has integrity ${digest}, expected ${integrity}`);

  execFileSync('tar', ['-xzf', join(work, tarball), '-C', work, ...Object.keys(files).map((f) => `package/model/${f}`)]);
  for (const [file, expected] of Object.entries(files)) {
    const actual = sha256(join(work, 'package', 'model', file));
    if (actual !== expected) fail(`${file} has sha256 ${actual}, expected ${expected}`);
  }
  mkdirSync(target, { recursive: true });
  for (const file of Object.keys(files)) renameSync(join(work, 'package', 'model', file), join(target, file));
  console.log(`facetag: installed the default face models into ${target}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
