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

export function buildDlibResnet(weights: ReadonlyMap<string, Tensor>): OnnxGraph {
  const g = new OnnxGraph('dlib_face_recognition_resnet_model_v1');
  const get = (name: string): Tensor => {
    const t = weights.get(name);
    if (!t) throw new Error(`face recognition weights lack ${name}`);
    return t;
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
    const y = g.node('Conv', [x, g.weight(`${prefix}/W`, [o, i, kh, kw], w), g.weight(`${prefix}/B`, [o], b)], [
      attr.ints('kernel_shape', [kh, kw]), attr.ints('strides', [stride, stride]), attr.ints('pads', [pad, pad, pad, pad]),
    ], prefix);
    return { y, channels: o };
  };
  const relu = (x: string) => g.node('Relu', [x]);

  let size = DLIB_CHIP_SIZE;
  let channels = 3;
  let x = g.input('image', ['N', 3, DLIB_CHIP_SIZE, DLIB_CHIP_SIZE]);
  // 7x7/2 valid, then 3x3/2 valid max-pool.
  ({ y: x, channels } = conv(x, 'conv32_down', 2, true, true));
  x = relu(x);
  size = Math.floor((size - 7) / 2) + 1;
  x = g.node('MaxPool', [x], [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2])]);
  size = Math.floor((size - 3) / 2) + 1;

  const residual = (input: string, prefix: string) => {
    const a = relu(conv(input, `${prefix}/conv1`, 1, false).y);
    const b = conv(a, `${prefix}/conv2`, 1, false).y;
    return relu(g.node('Add', [b, input]));
  };
  const residualDown = (input: string, prefix: string) => {
    const a = relu(conv(input, `${prefix}/conv1`, 2, true).y);
    const { y: b0, channels: out } = conv(a, `${prefix}/conv2`, 1, false);
    const convSize = Math.floor((size - 3) / 2) + 1;
    const poolSize = Math.floor(size / 2);
    let pooled = g.node('AveragePool', [input], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]);
    // dlib's add_prev zero-pads the smaller operand at the end of each dimension.
    let b = b0;
    const grow = poolSize - convSize;
    if (grow !== 0 || out !== channels) {
      if (grow < 0) throw new Error(`${prefix}: the convolution branch is larger than the skip`);
      if (grow > 0) b = g.node('Pad', [b, g.int64(`${prefix}/grow`, [0, 0, 0, 0, 0, 0, grow, grow])], [attr.string('mode', 'constant')]);
      if (out > channels) pooled = g.node('Pad', [pooled, g.int64(`${prefix}/widen`, [0, 0, 0, 0, 0, out - channels, 0, 0])], [attr.string('mode', 'constant')]);
    }
    size = poolSize;
    channels = out;
    return relu(g.node('Add', [pooled, b]));
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
