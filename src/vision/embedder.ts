import type { ModelSession } from './onnx-session.js';
import { toChwTensor, type RgbImage } from './image.js';

export interface EmbedderSpec {
  size: number;
  mean: number;
  std: number;
  channels: 'rgb' | 'bgr';
}

/** An embedder of aligned square faces; returns L2-normalised vectors. */
export function createEmbedder(session: ModelSession, spec: EmbedderSpec) {
  const inputName = session.inputs[0]?.name ?? 'input';
  const outputName = session.outputs[0]!;
  return {
    async embed(aligned: RgbImage): Promise<Float32Array> {
      const input = toChwTensor(aligned, spec.mean, spec.std, spec.channels);
      const out = await session.run({ [inputName]: { data: input, dims: [1, 3, spec.size, spec.size] } });
      return l2Normalise(Float32Array.from(out[outputName]!.data));
    },
  };
}

export function l2Normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}

/** Cosine distance of two unit vectors: 0 same direction, 2 opposite. */
export function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return 1 - dot;
}
