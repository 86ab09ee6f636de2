import ort from 'onnxruntime-node';
import { AppError } from '../errors.js';

/** The only door to onnxruntime-node: a loaded model that maps named float tensors to named float tensors. */
export interface ModelSession {
  readonly inputs: ReadonlyArray<{ name: string; shape: ReadonlyArray<number | string> }>;
  readonly outputs: ReadonlyArray<string>;
  /** Runs the model; with `outputs`, only those are fetched (a head nobody reads is not computed). */
  run(feeds: Record<string, { data: Float32Array; dims: number[] }>, outputs?: readonly string[]): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Threads used inside one inference. */
  threads: number;
  /** Use Apple's CoreML (GPU / Neural Engine) when it is there. @default true */
  preferAccelerator?: boolean;
}

export async function createModelSession(file: string, options: SessionOptions): Promise<ModelSession> {
  const providers: string[] = [];
  if (options.preferAccelerator !== false && process.platform === 'darwin' && process.arch === 'arm64') providers.push('coreml');
  providers.push('cpu');
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, {
      executionProviders: providers,
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // Measured (bench/): the same speed without ONNX Runtime's arena and memory patterns, and
      // 30 MB less per analysis thread that never grows with a batch of faces.
      enableCpuMemArena: false,
      enableMemPattern: false,
    });
  } catch (error) {
    throw new AppError('MODEL_INVALID', `model file ${file} cannot be loaded by ONNX Runtime (${(error as Error).message}); run \`facetag models list\` and reinstall it`);
  }
  const inputs = session.inputNames.map((name, i) => {
    const meta = session.inputMetadata[i] as { shape?: ReadonlyArray<number | string> } | undefined;
    return { name, shape: meta?.shape ?? [] };
  });
  return {
    inputs,
    outputs: session.outputNames,
    async run(feeds, outputs) {
      const tensors: Record<string, ort.Tensor> = {};
      for (const [name, { data, dims }] of Object.entries(feeds)) tensors[name] = new ort.Tensor('float32', data, dims);
      const result = outputs ? await session.run(tensors, [...outputs]) : await session.run(tensors);
      const out: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
      for (const [name, tensor] of Object.entries(result)) out[name] = { data: tensor.data as Float32Array, dims: tensor.dims };
      return out;
    },
    close: () => session.release(),
  };
}
