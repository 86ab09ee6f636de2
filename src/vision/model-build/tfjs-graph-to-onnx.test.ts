import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createModelSession } from '../onnx-session.js';
import { OnnxGraph } from './onnx-graph.js';
import { convertTfjsGraph, type TfjsGraphModel } from './tfjs-graph-to-onnx.js';
import { halfToFloat, readTfjsWeights, type TfjsWeightSpec } from './tfjs-weights.js';

/** A small TF.js graph model using each op the converter knows, with float32, float16 and uint8 weights. */
function tinyModel() {
  const seq = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  const weights: Array<{ spec: TfjsWeightSpec; values: Float32Array }> = [
    { spec: { name: 'wA', shape: [3, 3, 2, 4], dtype: 'float32', quantization: { dtype: 'float16' } }, values: seq(72, (i) => Math.sin(i) / 4) },
    { spec: { name: 'bA', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.01, min: -0.5 } }, values: Float32Array.from([10, 50, 90, 130]) },
    { spec: { name: 'alphaA', shape: [1, 1, 4], dtype: 'float32' }, values: Float32Array.from([0.1, 0.2, 0.3, 0.25]) },
    { spec: { name: 'wB', shape: [3, 3, 4, 1], dtype: 'float32' }, values: seq(36, (i) => Math.cos(i) / 3) },
    { spec: { name: 'pads', shape: [4, 2], dtype: 'int32' }, values: Float32Array.from([0, 0, 0, 0, 0, 0, 0, 2]) },
    { spec: { name: 'shape', shape: [2], dtype: 'int32' }, values: Float32Array.from([-1, 24]) },
  ];
  // The stored bytes: float16 halves, uint8 steps, float32 and int32 as they are.
  const parts: Buffer[] = [];
  for (const { spec, values } of weights) {
    const q = spec.quantization?.dtype;
    const b = Buffer.alloc(values.length * (q === 'float16' ? 2 : q === 'uint8' ? 1 : 4));
    values.forEach((v, i) => {
      if (q === 'float16') b.writeUInt16LE(toHalf(v), i * 2);
      else if (q === 'uint8') b.writeUInt8(v, i);
      else if (spec.dtype === 'int32') b.writeInt32LE(v, i * 4);
      else b.writeFloatLE(v, i * 4);
    });
    parts.push(b);
  }
  const s = (v: string) => ({ s: Buffer.from(v).toString('base64') });
  const list = (...i: number[]) => ({ list: { i: i.map(String) } });
  const node = (name: string, op: string, input: string[] = [], attr: Record<string, unknown> = {}) => ({ name, op, input, attr });
  const model = {
    modelTopology: {
      node: [
        ...weights.map((w) => node(w.spec.name, 'Const')),
        node('input', 'Placeholder', [], { shape: { shape: { dim: [{ size: '-1' }, { size: '6' }, { size: '6' }, { size: '2' }] } } }),
        node('A', '_FusedConv2D', ['input', 'wA', 'bA', 'alphaA'], { strides: list(1, 2, 2, 1), padding: s('SAME'), fused_ops: { list: { s: [s('BiasAdd').s, s('Prelu').s] } } }),
        node('B', 'DepthwiseConv2dNative', ['A', 'wB'], { strides: list(1, 1, 1, 1), padding: s('SAME') }),
        node('C', 'AddV2', ['A', 'B']),
        node('D', 'Pad', ['C', 'pads']),
        node('E', 'MaxPool', ['D'], { ksize: list(1, 2, 2, 1), strides: list(1, 2, 2, 1), padding: s('SAME') }),
        node('F', 'Reshape', ['E', 'shape']),
        node('G', 'Sigmoid', ['F']),
        node('Identity', 'Identity', ['G']),
      ],
    },
    signature: { outputs: { output_y: { name: 'Identity:0' } } },
    weightsManifest: [{ paths: ['w.bin'], weights: weights.map((w) => w.spec) }],
  };
  return { model: model as TfjsGraphModel & { weightsManifest: typeof model.weightsManifest }, bin: Buffer.concat(parts) };
}

function toHalf(v: number): number {
  // Round-to-nearest float16 for the small normal values used here.
  if (v === 0) return 0;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const e = Math.floor(Math.log2(a));
  const m = Math.round((a / 2 ** e - 1) * 1024);
  return sign | ((e + 15) << 10) | (m & 0x3ff);
}

/** TensorFlow's semantics, written plainly in NHWC: what the converted graph must compute. */
function reference(input: Float32Array, w: Map<string, { data: Float32Array }>): Float32Array {
  const conv = (x: Float32Array, h: number, wd: number, c: number, k: Float32Array, o: number, stride: number, depthwise: boolean) => {
    const oh = Math.ceil(h / stride), ow = Math.ceil(wd / stride);
    const padT = Math.floor(Math.max(0, (oh - 1) * stride + 3 - h) / 2), padL = Math.floor(Math.max(0, (ow - 1) * stride + 3 - wd) / 2);
    const out = new Float32Array(oh * ow * o);
    for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) for (let f = 0; f < o; f++) {
      let sum = 0;
      for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
        const iy = y * stride + ky - padT, ix = xx * stride + kx - padL;
        if (iy < 0 || ix < 0 || iy >= h || ix >= wd) continue;
        if (depthwise) sum += x[(iy * wd + ix) * c + f]! * k[(ky * 3 + kx) * c + f]!;
        else for (let ch = 0; ch < c; ch++) sum += x[(iy * wd + ix) * c + ch]! * k[((ky * 3 + kx) * c + ch) * o + f]!;
      }
      out[(y * ow + xx) * o + f] = sum;
    }
    return out;
  };
  const a = conv(input, 6, 6, 2, w.get('wA')!.data, 4, 2, false);
  const bias = w.get('bA')!.data, alpha = w.get('alphaA')!.data;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]! + bias[i % 4]!;
    a[i] = v >= 0 ? v : v * alpha[i % 4]!;
  }
  const b = conv(a, 3, 3, 4, w.get('wB')!.data, 4, 1, true);
  const d = new Float32Array(3 * 3 * 6);
  for (let p = 0; p < 9; p++) for (let ch = 0; ch < 4; ch++) d[p * 6 + ch] = a[p * 4 + ch]! + b[p * 4 + ch]!;
  const e = new Float32Array(2 * 2 * 6).fill(-Infinity);
  for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) for (let ch = 0; ch < 6; ch++) {
    const o = ((Math.floor(y / 2) * 2 + Math.floor(x / 2)) * 6) + ch;
    e[o] = Math.max(e[o]!, d[(y * 3 + x) * 6 + ch]!);
  }
  return e.map((v) => 1 / (1 + Math.exp(-v)));
}

describe('TF.js graph model to ONNX', () => {
  it('reads float16, uint8 and int32 weights', () => {
    const { model, bin } = tinyModel();
    const w = readTfjsWeights(model.weightsManifest, () => bin);
    expect(Array.from(w.get('bA')!.data).map((v) => +v.toFixed(4))).toEqual([-0.4, 0, 0.4, 0.8]);
    expect(w.get('wA')!.data[1]).toBeCloseTo(Math.sin(1) / 4, 3);
    expect(Array.from(w.get('shape')!.data)).toEqual([-1, 24]);
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(() => readTfjsWeights(model.weightsManifest, () => bin.subarray(0, 100))).toThrow(/truncated/);
  });

  it('computes what TensorFlow computes, in NCHW: convolutions with SAME padding, depthwise, PReLU, channel padding, pooling, a reshape in NHWC order', async () => {
    const { model, bin } = tinyModel();
    const weights = readTfjsWeights(model.weightsManifest, () => bin);
    const graph = new OnnxGraph('tiny');
    convertTfjsGraph(model, weights, graph, { inputName: 'input', outputs: { Identity: 'y' } });
    const file = join(mkdtempSync(join(tmpdir(), 'facetag-tfjs-')), 'tiny.onnx');
    writeFileSync(file, graph.toBytes({ producer: 'test', version: '1', doc: '' }));
    const session = await createModelSession(file, { threads: 1, preferAccelerator: false });
    try {
      const nhwc = Float32Array.from({ length: 72 }, (_, i) => ((i * 37) % 17) / 8 - 1);
      const nchw = new Float32Array(72);
      for (let p = 0; p < 36; p++) for (let c = 0; c < 2; c++) nchw[c * 36 + p] = nhwc[p * 2 + c]!;
      const out = (await session.run({ input: { data: nchw, dims: [1, 2, 6, 6] } })).y!;
      expect(out.dims).toEqual([1, 24]);
      const expected = reference(nhwc, weights);
      for (let i = 0; i < 24; i++) expect(out.data[i]).toBeCloseTo(expected[i]!, 5);
    } finally {
      await session.close();
    }
  });

  it('names an op it does not know', () => {
    const { model, bin } = tinyModel();
    model.modelTopology.node.push({ name: 'X', op: 'Softmax', input: ['G'] });
    expect(() => convertTfjsGraph(model, readTfjsWeights(model.weightsManifest, () => bin), new OnnxGraph('t'), { inputName: 'input', outputs: {} })).toThrow(/X: TF op Softmax is not supported/);
  });
});
