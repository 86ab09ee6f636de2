import { DLIB_INT8_CALIBRATION } from './dlib-int8-ranges.js';
import { buildDlibResnet } from './dlib-resnet.js';
import { OnnxGraph } from './onnx-graph.js';
import { convertTfjsGraph, type TfjsGraphModel } from './tfjs-graph-to-onnx.js';
import { readTfjsWeights, type TfjsWeightGroup } from './tfjs-weights.js';
import type { ModelEntry, NpmSource } from '../model-manifest.js';

export type NpmModel = ModelEntry & { source: NpmSource };

const PRODUCER = 'facetag model-build';

/**
 * Makes a model's ONNX file from the files its manifest entry takes out of an npm tarball
 * (`read` returns a file by its path inside the tarball). Deterministic: the same inputs give
 * the same bytes, so the result's sha256 can be pinned in the manifest.
 */
export function buildModel(entry: NpmModel, read: (path: string) => Uint8Array): Uint8Array {
  const paths = Object.keys(entry.source.files);
  const doc = `${entry.id}@${entry.version} from ${entry.source.npm} (${paths.map((p) => p.replace(/^package\//, '')).join(', ')}); licence: ${entry.licence}; ${entry.origin.upstream}`;
  const inFolder = (path: string) => (name: string) => read(`${path.slice(0, path.lastIndexOf('/') + 1)}${name}`);
  switch (entry.source.build) {
    case 'copy': {
      if (paths.length !== 1) throw new Error(`${entry.id}: a copied model takes exactly one file`);
      return read(paths[0]!);
    }
    case 'tfjs-graph': {
      const json = paths.find((p) => p.endsWith('.json'));
      if (!json) throw new Error(`${entry.id}: a TF.js graph model needs its model.json`);
      const model = JSON.parse(new TextDecoder().decode(read(json))) as TfjsGraphModel & { weightsManifest: TfjsWeightGroup[] };
      const weights = readTfjsWeights(model.weightsManifest, inFolder(json));
      const graph = new OnnxGraph(entry.id);
      // Signature outputs `output_mesh` -> `mesh`, keyed by the tensor that carries them (`Identity_2`).
      const outputs: Record<string, string> = {};
      for (const [key, value] of Object.entries(model.signature?.outputs ?? {})) outputs[value.name.replace(/:\d+$/, '')] = key.replace(/^output_/, '');
      convertTfjsGraph(model, weights, graph, { inputName: entry.input.name, outputs });
      return graph.toBytes({ producer: PRODUCER, version: entry.version, doc });
    }
    case 'dlib-resnet':
    case 'dlib-resnet-int8': {
      const manifest = paths.find((p) => p.endsWith('.json'));
      if (!manifest) throw new Error(`${entry.id}: face-api weights need their weights manifest`);
      const groups = JSON.parse(new TextDecoder().decode(read(manifest))) as TfjsWeightGroup[];
      const int8 = entry.source.build === 'dlib-resnet-int8' ? { int8: DLIB_INT8_CALIBRATION.ranges } : {};
      return buildDlibResnet(readTfjsWeights(groups, inFolder(manifest)), int8).toBytes({ producer: PRODUCER, version: entry.version, doc });
    }
  }
}
