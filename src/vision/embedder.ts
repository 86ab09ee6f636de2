import type { ModelSession } from './onnx-session.js';
import { toChwTensor, type RgbImage } from './image.js';

export interface EmbedderSpec {
  size: number;
  mean: number;
  std: number;
  channels: 'rgb' | 'bgr';
}

/** Faces per inference: the faces of a photo go in one run (a crowd in a few). */
const BATCH = 8;

/**
 * An embedder of aligned square faces; returns L2-normalised vectors. A model whose input has a
 * batch dimension (`N`) embeds several faces per inference.
 */
export function createEmbedder(session: ModelSession, spec: EmbedderSpec) {
  const inputName = session.inputs[0]?.name ?? 'input';
  const outputName = session.outputs[0]!;
  const batch = typeof session.inputs[0]?.shape[0] === 'number' ? 1 : BATCH;
  const plane = 3 * spec.size * spec.size;
  async function embedAll(faces: readonly RgbImage[]): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let at = 0; at < faces.length; at += batch) {
      const group = faces.slice(at, at + batch);
      const input = new Float32Array(group.length * plane);
      group.forEach((face, i) => input.set(toChwTensor(face, spec.mean, spec.std, spec.channels), i * plane));
      const out = out0(await session.run({ [inputName]: { data: input, dims: [group.length, 3, spec.size, spec.size] } }));
      const dims = out.length / group.length;
      for (let i = 0; i < group.length; i++) vectors.push(l2Normalise(out.slice(i * dims, (i + 1) * dims)));
    }
    return vectors;
  }
  const out0 = (out: Record<string, { data: Float32Array }>) => out[outputName]!.data;
  return {
    embedAll,
    async embed(aligned: RgbImage): Promise<Float32Array> {
      return (await embedAll([aligned]))[0]!;
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
