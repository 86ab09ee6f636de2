import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModelSession } from '../onnx-session.js';
import { buildDlibResnet, dlibQuantisationPoints, DLIB_CHIP_SIZE, probeOutput, type ActivationRanges } from './dlib-resnet.js';
import type { Tensor } from './tfjs-weights.js';

/**
 * The activation ranges of dlib's ResNet for its int8 graph: the float graph with every
 * quantisation point as an output (`probe`), run on aligned face chips, and each point's smallest
 * and largest value over all of them (min-max calibration). `chips`: N x 3 x 150 x 150 RGB 0-255,
 * as the embedder feeds the model.
 */
export async function calibrateDlibRanges(weights: ReadonlyMap<string, Tensor>, chips: readonly Float32Array[]): Promise<Record<string, [number, number]>> {
  const dir = mkdtempSync(join(tmpdir(), 'facetag-calibrate-'));
  try {
    const file = join(dir, 'dlib-probe.onnx');
    writeFileSync(file, buildDlibResnet(weights, { probe: true }).toBytes({ producer: 'facetag calibration', version: 'probe', doc: 'dlib ResNet with its quantisation points as outputs' }));
    const session = await createModelSession(file, { threads: 2, preferAccelerator: false });
    const points = dlibQuantisationPoints();
    const ranges: Record<string, [number, number]> = Object.fromEntries(points.map((p) => [p, [Infinity, -Infinity]]));
    const plane = 3 * DLIB_CHIP_SIZE * DLIB_CHIP_SIZE;
    try {
      for (const chip of chips) {
        if (chip.length !== plane) throw new Error(`a calibration chip has ${chip.length} values, not 3 x ${DLIB_CHIP_SIZE} x ${DLIB_CHIP_SIZE}`);
        const out = await session.run({ image: { data: chip, dims: [1, 3, DLIB_CHIP_SIZE, DLIB_CHIP_SIZE] } }, points.map(probeOutput));
        for (const p of points) {
          const r = ranges[p]!;
          for (const v of out[probeOutput(p)]!.data) {
            if (v < r[0]) r[0] = v;
            if (v > r[1]) r[1] = v;
          }
        }
      }
    } finally {
      await session.close();
    }
    return ranges;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Ranges rounded outward to 6 significant digits (what the generated module pins): none shrinks. */
export function pinRanges(ranges: Readonly<Record<string, readonly [number, number]>>): ActivationRanges {
  return Object.fromEntries(Object.entries(ranges).map(([k, [lo, hi]]) => [k, [round6(lo, Math.floor), round6(hi, Math.ceil)] as const]));
}

function round6(v: number, to: (x: number) => number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const unit = 10 ** (Math.floor(Math.log10(Math.abs(v))) - 5);
  return Number((to(v / unit) * unit).toPrecision(6));
}
