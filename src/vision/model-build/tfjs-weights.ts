/**
 * Reads TensorFlow.js weight files (a weights manifest and its `.bin` shards) into float32
 * tensors, undoing the quantisation the tfjs converter applies: `uint8`/`uint16` affine
 * (`q * scale + min`) and `float16`.
 */

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** Reads every tensor of the manifest, in manifest order; `readShard` returns a `.bin` file's bytes. */
export function readTfjsWeights(manifest: readonly TfjsWeightGroup[], readShard: (path: string) => Uint8Array): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const group of manifest) {
    const buffer = concat(group.paths.map(readShard));
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    let offset = 0;
    for (const spec of group.weights) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      const q = spec.quantization;
      const width = q?.dtype === 'uint8' ? 1 : q?.dtype === 'uint16' || q?.dtype === 'float16' ? 2 : 4;
      if (offset + size * width > buffer.length) throw new Error(`weight ${spec.name} runs past the end of its shards (${buffer.length} bytes): the weight files are truncated`);
      if (q?.dtype === 'uint8' || q?.dtype === 'uint16') {
        const scale = q.scale ?? 1, min = q.min ?? 0;
        const width = q.dtype === 'uint8' ? 1 : 2;
        for (let i = 0; i < size; i++) data[i] = (width === 1 ? view.getUint8(offset + i) : view.getUint16(offset + 2 * i, true)) * scale + min;
        offset += size * width;
      } else if (q?.dtype === 'float16') {
        for (let i = 0; i < size; i++) data[i] = halfToFloat(view.getUint16(offset + 2 * i, true));
        offset += size * 2;
      } else if (spec.dtype === 'int32') {
        for (let i = 0; i < size; i++) data[i] = view.getInt32(offset + 4 * i, true);
        offset += size * 4;
      } else if (spec.dtype === 'float32') {
        for (let i = 0; i < size; i++) data[i] = view.getFloat32(offset + 4 * i, true);
        offset += size * 4;
      } else {
        throw new Error(`weight ${spec.name} has dtype ${String(spec.dtype)}, which the converter does not read`);
      }
      tensors.set(spec.name, { shape: spec.shape, data });
    }
    if (offset !== buffer.length) throw new Error(`the weight shards hold ${buffer.length} bytes, the manifest describes ${offset}: they do not belong together`);
  }
  return tensors;
}

/** IEEE 754 half precision to single precision. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** TensorFlow HWIO convolution filters to ONNX OIHW. */
export function hwioToOihw(t: Tensor): Tensor {
  const [h, w, i, o] = t.shape as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < i; c++) for (let k = 0; k < o; k++) {
    out[((k * i + c) * h + y) * w + x] = t.data[((y * w + x) * i + c) * o + k]!;
  }
  return { shape: [o, i, h, w], data: out };
}

/** TensorFlow depthwise filters `[H, W, C, M]` to ONNX grouped-convolution weights `[C*M, 1, H, W]`. */
export function depthwiseToOihw(t: Tensor): Tensor {
  const [h, w, c, m] = t.shape as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) for (let k = 0; k < m; k++) {
    out[((ch * m + k) * h + y) * w + x] = t.data[((y * w + x) * c + ch) * m + k]!;
  }
  return { shape: [c * m, 1, h, w], data: out };
}
