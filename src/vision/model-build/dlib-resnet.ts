import { OnnxGraph, attr } from './onnx-graph.js';
import { hwioToOihw, type Tensor } from './tfjs-weights.js';

/**
 * dlib's face recognition ResNet (`dlib_face_recognition_resnet_model_v1`, Davis King, public
 * domain) as an ONNX graph, built from the TF.js weights face-api ships of it (117 tensors:
 * `conv32_down`, `conv32_{1,2,3}`, `conv64_down` ... `conv256_down_out`, `fc`).
 *
 * The network: a 7x7/2 convolution and a 3x3/2 max-pool, then residual blocks of 32, 64, 128 and
 * 256 filters (each down block halves the size: a 3x3/2 convolution beside a 2x2/2 average-pooled
 * skip, the smaller of the two zero-padded at the end of C, H and W, as dlib's `add_prev` does),
 * a global average and a 256x128 projection. Each dlib convolution is followed by an affine layer
 * (`scale/weights`, `scale/biases`): folded into the convolution. dlib's input normalisation
 * `(pixel - mean) / 256` folds exactly into the first convolution (it has no padding), so the
 * graph takes raw RGB 0-255, N x 3 x 150 x 150, and returns 128 values per face (not normalised).
 */

/** dlib's per-channel means (R, G, B) of its input layer `input_rgb_image_sized<150>`. */
const MEAN_RGB = [122.782, 117.001, 104.298];
export const DLIB_CHIP_SIZE = 150;

/** The calibrated [min, max] of each activation the int8 graph quantises, by point name (see dlib-calibration.ts). */
export type ActivationRanges = Readonly<Record<string, readonly [number, number]>>;

export interface DlibBuildOptions {
  /**
   * Builds the int8 graph with these activation ranges: every convolution but the first takes
   * uint8 activations (one scale per tensor, from its calibrated range) and int8 weights (one
   * symmetric scale per output channel), written as QuantizeLinear / DequantizeLinear pairs that
   * ONNX Runtime runs as integer convolutions. The first convolution (raw pixels, a 7x7 kernel)
   * stays float: it is cheap, and it carries most of the quantisation error.
   */
  int8?: ActivationRanges;
  /** Adds every quantisation point as a float output named after it: the graph the ranges are calibrated on. */
  probe?: boolean;
}

/** The activations the int8 graph quantises, in graph order (calibration reads them by these names). */
export function dlibQuantisationPoints(): string[] {
  const points = ['pool'];
  const block = (p: string) => points.push(`${p}/conv1`, `${p}/conv2`, p);
  for (const n of ['conv32_1', 'conv32_2', 'conv32_3', 'conv64_down', 'conv64_1', 'conv64_2', 'conv64_3', 'conv128_down', 'conv128_1', 'conv128_2',
    'conv256_down', 'conv256_1', 'conv256_2', 'conv256_down_out']) block(n);
  return points;
}

/** The probe graph's output for quantisation point `name`. */
export const probeOutput = (name: string) => `probe:${name}`;

/** uint8 scale and zero point of a range that always holds 0 (ONNX's asymmetric quantisation). */
export function uint8Params([lo, hi]: readonly [number, number]): { scale: number; zeroPoint: number } {
  const min = Math.min(lo, 0), max = Math.max(hi, 0);
  const scale = Math.fround(max > min ? (max - min) / 255 : 1);
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-min / scale))) };
}

export function buildDlibResnet(weights: ReadonlyMap<string, Tensor>, options: DlibBuildOptions = {}): OnnxGraph {
  const { int8, probe = false } = options;
  const g = new OnnxGraph('dlib_face_recognition_resnet_model_v1');
  const get = (name: string): Tensor => {
    const t = weights.get(name);
    if (!t) throw new Error(`face recognition weights lack ${name}`);
    return t;
  };
  /** Scale of each quantised tensor (a DequantizeLinear's output), by name. */
  const scales = new Map<string, { scale: number; zeroPoint: number; params: [string, string] }>();

  /** Float activation `x` through QuantizeLinear / DequantizeLinear with `params` (a point's, or another tensor's). */
  const requantise = (x: string, params: { scale: number; zeroPoint: number; params: [string, string] }) => {
    const q = g.node('QuantizeLinear', [x, ...params.params]);
    const dq = g.node('DequantizeLinear', [q, ...params.params]);
    scales.set(dq, params);
    return dq;
  };
  /**
   * Activation point `name` on `x` (after `relu` when asked): in the int8 graph quantised in its
   * calibrated range (a range from 0 is the ReLU, so no Relu node is written); in the probe graph
   * an output too.
   */
  const point = (x: string, name: string, channels: number, relu: boolean): string => {
    if (!int8) {
      const y = relu ? g.node('Relu', [x]) : x;
      if (probe) g.output(g.node('Identity', [y], [], probeOutput(name)), ['N', channels, 'H', 'W']);
      return y;
    }
    const range = int8[name];
    if (!range) throw new Error(`int8 build: no calibrated range for ${name}`);
    if (relu && range[0] < 0) throw new Error(`int8 build: ${name} follows a ReLU but its range starts at ${range[0]}`);
    const { scale, zeroPoint } = uint8Params(range);
    const params: [string, string] = [g.tensor(`${name}/scale`, [], Float32Array.of(scale)), g.tensor(`${name}/zero_point`, [], Uint8Array.of(zeroPoint))];
    return requantise(x, { scale, zeroPoint, params });
  };

  /** A dlib con + affine pair as one ONNX Conv; `normalise` folds the input normalisation in. */
  const conv = (x: string, prefix: string, stride: number, valid: boolean, normalise = false): { y: string; channels: number } => {
    const filters = hwioToOihw(get(`${prefix}/conv/filters`));
    const bias = get(`${prefix}/conv/bias`).data;
    const gamma = get(`${prefix}/scale/weights`).data;
    const beta = get(`${prefix}/scale/biases`).data;
    const [o, i, kh, kw] = filters.shape as [number, number, number, number];
    const w = new Float32Array(filters.data.length);
    const b = new Float32Array(o);
    const per = i * kh * kw;
    for (let k = 0; k < o; k++) {
      let shift = 0;
      for (let j = 0; j < per; j++) {
        let v = filters.data[k * per + j]!;
        if (normalise) {
          shift += v * MEAN_RGB[Math.floor(j / (kh * kw))]!;
          v /= 256;
        }
        w[k * per + j] = v * gamma[k]!;
      }
      b[k] = (bias[k]! - (normalise ? shift / 256 : 0)) * gamma[k]! + beta[k]!;
    }
    const pad = valid ? 0 : Math.floor(kh / 2);
    const input = scales.get(x);
    const [wName, bName] = input
      ? quantisedWeights(g, prefix, [o, i, kh, kw], w, b, input.scale)
      : [g.weight(`${prefix}/W`, [o, i, kh, kw], w), g.weight(`${prefix}/B`, [o], b)];
    const y = g.node('Conv', [x, wName, bName], [
      attr.ints('kernel_shape', [kh, kw]), attr.ints('strides', [stride, stride]), attr.ints('pads', [pad, pad, pad, pad]),
    ], prefix);
    return { y, channels: o };
  };

  let size = DLIB_CHIP_SIZE;
  let channels = 3;
  let x = g.input('image', ['N', 3, DLIB_CHIP_SIZE, DLIB_CHIP_SIZE]);
  // 7x7/2 valid, then 3x3/2 valid max-pool.
  ({ y: x, channels } = conv(x, 'conv32_down', 2, true, true));
  x = g.node('Relu', [x]);
  size = Math.floor((size - 7) / 2) + 1;
  x = point(g.node('MaxPool', [x], [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2])]), 'pool', channels, false);
  size = Math.floor((size - 3) / 2) + 1;

  const residual = (input: string, prefix: string) => {
    const a = point(conv(input, `${prefix}/conv1`, 1, false).y, `${prefix}/conv1`, channels, true);
    const b = point(conv(a, `${prefix}/conv2`, 1, false).y, `${prefix}/conv2`, channels, false);
    return point(g.node('Add', [b, input]), prefix, channels, true);
  };
  const residualDown = (input: string, prefix: string) => {
    const inputScale = scales.get(input);
    const { y: a0, channels: out } = conv(input, `${prefix}/conv1`, 2, true);
    const a = point(a0, `${prefix}/conv1`, out, true);
    const { y: b0 } = conv(a, `${prefix}/conv2`, 1, false);
    let b = point(b0, `${prefix}/conv2`, out, false);
    const convSize = Math.floor((size - 3) / 2) + 1;
    const poolSize = Math.floor(size / 2);
    // Averaging and zero-padding stay in the range of what they read: same quantisation.
    const same = (y: string, of: typeof inputScale) => (of ? requantise(y, of) : y);
    let pooled = same(g.node('AveragePool', [input], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]), inputScale);
    // dlib's add_prev zero-pads the smaller operand at the end of each dimension.
    const grow = poolSize - convSize;
    if (grow !== 0 || out !== channels) {
      if (grow < 0) throw new Error(`${prefix}: the convolution branch is larger than the skip`);
      if (grow > 0) b = same(g.node('Pad', [b, g.int64(`${prefix}/grow`, [0, 0, 0, 0, 0, 0, grow, grow])], [attr.string('mode', 'constant')]), scales.get(b));
      if (out > channels) pooled = same(g.node('Pad', [pooled, g.int64(`${prefix}/widen`, [0, 0, 0, 0, 0, out - channels, 0, 0])], [attr.string('mode', 'constant')]), inputScale);
    }
    size = poolSize;
    channels = out;
    return point(g.node('Add', [pooled, b]), prefix, channels, true);
  };

  for (const n of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(x, n);
  x = residualDown(x, 'conv64_down');
  for (const n of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(x, n);
  x = residualDown(x, 'conv128_down');
  for (const n of ['conv128_1', 'conv128_2']) x = residual(x, n);
  x = residualDown(x, 'conv256_down');
  for (const n of ['conv256_1', 'conv256_2']) x = residual(x, n);
  x = residualDown(x, 'conv256_down_out');
  x = g.node('GlobalAveragePool', [x]);
  x = g.node('Flatten', [x], [attr.int('axis', 1)]);
  const fc = get('fc');
  x = g.node('MatMul', [x, g.weight('fc', fc.shape, fc.data)]);
  g.rename(x, 'descriptor');
  g.output('descriptor', ['N', fc.shape[1]!]);
  return g;
}

/**
 * A convolution's weights in int8 (one symmetric scale per output channel, |q| <= 127) and its
 * bias in int32 at the scale of input x weight, each behind a DequantizeLinear (per channel, axis
 * 0), as ONNX's QDQ form of an integer convolution wants them.
 */
function quantisedWeights(g: OnnxGraph, prefix: string, dims: [number, number, number, number], w: Float32Array, b: Float32Array, inputScale: number): [string, string] {
  const [o] = dims;
  const per = w.length / o;
  const q = new Int8Array(w.length);
  const wScale = new Float32Array(o);
  const bScale = new Float32Array(o);
  const bq = new Int32Array(o);
  for (let k = 0; k < o; k++) {
    let max = 0;
    for (let j = 0; j < per; j++) max = Math.max(max, Math.abs(w[k * per + j]!));
    const s = Math.fround(max > 0 ? max / 127 : 1);
    wScale[k] = s;
    for (let j = 0; j < per; j++) q[k * per + j] = Math.max(-127, Math.min(127, Math.round(w[k * per + j]! / s)));
    bScale[k] = Math.fround(inputScale * s);
    bq[k] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(b[k]! / bScale[k]!)));
  }
  const axis = [attr.int('axis', 0)];
  const wName = g.node('DequantizeLinear', [g.tensor(`${prefix}/W_int8`, dims, q), g.tensor(`${prefix}/W_scale`, [o], wScale), g.tensor(`${prefix}/W_zero_point`, [o], new Int8Array(o))], axis, `${prefix}/W`);
  const bName = g.node('DequantizeLinear', [g.tensor(`${prefix}/B_int32`, [o], bq), g.tensor(`${prefix}/B_scale`, [o], bScale), g.tensor(`${prefix}/B_zero_point`, [o], new Int32Array(o))], axis, `${prefix}/B`);
  return [wName, bName];
}
