import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createModelSession } from '../onnx-session.js';
import { OnnxGraph, attr } from './onnx-graph.js';
import { ProtoWriter } from './protobuf-writer.js';

describe('protobuf writer', () => {
  it('writes varints, negative int64 in ten bytes, floats and nested messages', () => {
    expect(Array.from(new ProtoWriter().int(1, 150).finish())).toEqual([0x08, 0x96, 0x01]);
    expect(Array.from(new ProtoWriter().int(2, -1).finish())).toEqual([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(Array.from(new ProtoWriter().float(3, 1).finish())).toEqual([0x1d, 0x00, 0x00, 0x80, 0x3f]);
    expect(Array.from(new ProtoWriter().message(4, (m) => m.string(1, 'a')).finish())).toEqual([0x22, 0x03, 0x0a, 0x01, 0x61]);
  });
});

describe('ONNX graph builder', () => {
  const build = () => {
    const g = new OnnxGraph('tiny');
    const x = g.input('x', ['N', 1, 3, 3]);
    // A 3x3 convolution that sums the neighbourhood and subtracts 4, then ReLU, then + input.
    const w = g.weight('w', [1, 1, 3, 3], new Float32Array(9).fill(1));
    const b = g.weight('b', [1], Float32Array.of(-4));
    const conv = g.node('Conv', [x, w, b], [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 1, 1])]);
    const relu = g.node('Relu', [conv]);
    g.rename(g.node('Add', [relu, x]), 'y');
    g.output('y', ['N', 1, 3, 3]);
    return g;
  };

  it('writes a model ONNX Runtime loads and runs as built', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'facetag-onnx-')), 'tiny.onnx');
    writeFileSync(file, build().toBytes({ producer: 'test', version: '1', doc: 'tiny' }));
    const session = await createModelSession(file, { threads: 1, preferAccelerator: false });
    try {
      const input = Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1]);
      const out = (await session.run({ x: { data: input, dims: [1, 1, 3, 3] } })).y!;
      // Corners see 4 ones (sum 4 - 4 = 0), edges 6 (2), the centre 9 (5); plus the input's 1.
      expect(Array.from(out.data)).toEqual([1, 3, 1, 3, 6, 3, 1, 3, 1]);
      expect(session.inputs[0]!.shape).toEqual(['N', 1, 3, 3]);
    } finally {
      await session.close();
    }
  });

  it('is deterministic: the same graph gives the same bytes', () => {
    const a = build().toBytes({ producer: 'test', version: '1', doc: 'tiny' });
    const b = build().toBytes({ producer: 'test', version: '1', doc: 'tiny' });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('writes int8, uint8 and int32 constants and scalars: a quantised convolution runs as ONNX Runtime reads it', async () => {
    const g = new OnnxGraph('quantised', 13);
    const x = g.input('x', ['N', 1, 2, 2]);
    // x -> uint8 (scale 0.5, zero point 10) and back: values snap to halves, clipped at -5.
    const scale = g.tensor('x/scale', [], Float32Array.of(0.5));
    const zero = g.tensor('x/zero', [], Uint8Array.of(10));
    const xq = g.node('DequantizeLinear', [g.node('QuantizeLinear', [x, scale, zero]), scale, zero]);
    // Two output channels of a 1x1 convolution, int8 weights 3 and -2 at scales 0.25 and 1 (0.75 and -2), int32 bias 4 at 0.5 * scale.
    const axis = [attr.int('axis', 0)];
    const w = g.node('DequantizeLinear', [g.tensor('w', [2, 1, 1, 1], Int8Array.of(3, -2)), g.tensor('w/scale', [2], Float32Array.of(0.25, 1)), g.tensor('w/zero', [2], new Int8Array(2))], axis);
    const b = g.node('DequantizeLinear', [g.tensor('b', [2], Int32Array.of(4, 4)), g.tensor('b/scale', [2], Float32Array.of(0.125, 0.5)), g.tensor('b/zero', [2], new Int32Array(2))], axis);
    g.rename(g.node('Conv', [xq, w, b], [attr.ints('kernel_shape', [1, 1])]), 'y');
    g.output('y', ['N', 2, 2, 2]);
    const file = join(mkdtempSync(join(tmpdir(), 'facetag-onnx-')), 'quantised.onnx');
    writeFileSync(file, g.toBytes({ producer: 'test', version: '1', doc: 'quantised' }));
    const session = await createModelSession(file, { threads: 1, preferAccelerator: false });
    try {
      const out = (await session.run({ x: { data: Float32Array.of(1.2, -9, 3, 0.24), dims: [1, 1, 2, 2] } })).y!;
      // Quantised x: 1, -5, 3, 0 (0.24 rounds to 0, -9 clips at -5).
      expect(Array.from(out.data)).toEqual([0.75 + 0.5, -3.75 + 0.5, 2.25 + 0.5, 0.5, -2 + 2, 10 + 2, -6 + 2, 2]);
    } finally {
      await session.close();
    }
  });
});
