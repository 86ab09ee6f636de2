import { OnnxGraph, attr } from './onnx-graph.js';
import { depthwiseToOihw, hwioToOihw, type Tensor } from './tfjs-weights.js';

/**
 * Converts a TensorFlow.js graph model (the `model.json` topology and its weights) into an ONNX
 * graph, for the convolutional networks facetag uses: MediaPipe's FaceMesh and BlazeFace as
 * shipped in TF.js form. TensorFlow works in NHWC, ONNX Runtime's convolutions in NCHW: every 4-D
 * activation is kept in NCHW, weights are transposed once, and a tensor is put back into NHWC
 * order only where its memory order matters (before a Reshape).
 *
 * Only the ops these networks use are known; any other op stops the conversion with its name.
 */

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

type TfAttr = { s?: string; i?: string; f?: number; b?: boolean; list?: { s?: string[]; i?: string[] }; shape?: { dim?: Array<{ size: string }> } };

export interface TfjsGraphModel {
  modelTopology: { node: TfNode[] };
  signature?: { outputs?: Record<string, { name: string }> };
}

export interface GraphConversion {
  /** ONNX name of the image input. */
  inputName: string;
  /** TF.js output tensor (`Identity_1`, without `:0`) -> ONNX output name. */
  outputs: Record<string, string>;
}

interface Value {
  name: string;
  /** NCHW for 4-D activations. */
  shape: number[];
}

const decode = (s: string) => Buffer.from(s, 'base64').toString('utf8');
const ints = (a: TfAttr | undefined) => (a?.list?.i ?? []).map(Number);
const tfName = (input: string) => input.replace(/:\d+$/, '');

export function convertTfjsGraph(model: TfjsGraphModel, weights: ReadonlyMap<string, Tensor>, graph: OnnxGraph, conversion: GraphConversion): void {
  const values = new Map<string, Value>();
  const nodes = model.modelTopology.node;
  const weightOf = (name: string): Tensor => {
    const w = weights.get(tfName(name));
    if (!w) throw new Error(`the graph uses ${name}, which is not among the weights`);
    return w;
  };
  const valueOf = (name: string): Value => {
    const v = values.get(tfName(name));
    if (!v) throw new Error(`the graph uses ${name} before it is computed`);
    return v;
  };

  for (const node of nodes) {
    const inputs = (node.input ?? []).filter((i) => !i.startsWith('^'));
    const a = node.attr ?? {};
    const set = (name: string, shape: number[]) => values.set(node.name, { name, shape });
    switch (node.op) {
      case 'Const':
        break;
      case 'Placeholder': {
        const [, h, w, c] = (a.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        if (!h || !w || !c) throw new Error(`input ${node.name} has no fixed height, width and channels`);
        graph.input(conversion.inputName, ['N', c, h, w]);
        set(conversion.inputName, [1, c, h, w]);
        break;
      }
      case '_FusedConv2D':
      case 'Conv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative': {
        const x = valueOf(inputs[0]!);
        const depthwise = node.op.includes('Depthwise');
        const filter = weightOf(inputs[1]!);
        const w = depthwise ? depthwiseToOihw(filter) : hwioToOihw(filter);
        const [, , kh, kw] = w.shape as [number, number, number, number];
        const [sy, sx] = stridesOf(a);
        const [dy, dx] = ints(a.dilations).length ? [ints(a.dilations)[1]!, ints(a.dilations)[2]!] : [1, 1];
        const { pads, out } = padding(a, x.shape, [kh, kw], [sy, sx], [dy, dx]);
        const fused = (a.fused_ops?.list?.s ?? []).map(decode);
        const convInputs = [x.name, graph.weight(`${node.name}/weights`, w.shape, w.data)];
        if (fused[0] === 'BiasAdd') convInputs.push(graph.weight(`${node.name}/bias`, [w.shape[0]!], weightOf(inputs[2]!).data));
        else if (fused.length) throw new Error(`${node.name}: fused ops ${fused.join(', ')} are not supported`);
        let y = graph.node('Conv', convInputs, [
          attr.ints('kernel_shape', [kh, kw]), attr.ints('strides', [sy, sx]), attr.ints('dilations', [dy, dx]),
          attr.ints('pads', pads), attr.int('group', depthwise ? x.shape[1]! : 1),
        ], node.name);
        const shape = [x.shape[0]!, w.shape[0]!, out[0], out[1]];
        for (const op of fused.slice(1)) {
          if (op === 'Relu') y = graph.node('Relu', [y]);
          else if (op === 'Relu6') y = graph.node('Clip', [y, ...clipBounds(graph, 0, 6)]);
          else if (op === 'Prelu') y = graph.node('PRelu', [y, slope(graph, node.name, weightOf(inputs[3]!))]);
          else throw new Error(`${node.name}: fused activation ${op} is not supported`);
        }
        set(y, shape);
        break;
      }
      case 'AddV2':
      case 'Add': {
        const [p, q] = [valueOf(inputs[0]!), valueOf(inputs[1]!)];
        if (p.shape.join() !== q.shape.join()) throw new Error(`${node.name} adds ${p.shape} and ${q.shape}; only equal shapes are supported`);
        set(graph.node('Add', [p.name, q.name], [], node.name), p.shape);
        break;
      }
      case 'Prelu': {
        const x = valueOf(inputs[0]!);
        set(graph.node('PRelu', [x.name, slope(graph, node.name, weightOf(inputs[1]!))], [], node.name), x.shape);
        break;
      }
      case 'Relu':
      case 'Sigmoid': {
        const x = valueOf(inputs[0]!);
        set(graph.node(node.op, [x.name], [], node.name), x.shape);
        break;
      }
      case 'MaxPool':
      case 'AvgPool': {
        const x = valueOf(inputs[0]!);
        const k = ints(a.ksize);
        const kernel: [number, number] = [k[1]!, k[2]!];
        const strides = stridesOf(a);
        const { pads, out } = padding(a, x.shape, kernel, strides, [1, 1]);
        const y = graph.node(node.op === 'MaxPool' ? 'MaxPool' : 'AveragePool', [x.name], [
          attr.ints('kernel_shape', kernel), attr.ints('strides', strides), attr.ints('pads', pads),
          ...(node.op === 'AvgPool' ? [attr.int('count_include_pad', 0)] : []),
        ], node.name);
        set(y, [x.shape[0]!, x.shape[1]!, out[0], out[1]]);
        break;
      }
      case 'Pad': {
        const x = valueOf(inputs[0]!);
        const p = Array.from(weightOf(inputs[1]!).data);
        // TF: [[n0,n1],[h0,h1],[w0,w1],[c0,c1]] (NHWC); ONNX: begins then ends, in NCHW.
        const [n0, n1, h0, h1, w0, w1, c0, c1] = p as [number, number, number, number, number, number, number, number];
        const pads = graph.int64(`${node.name}/pads`, [n0, c0, h0, w0, n1, c1, h1, w1]);
        const y = graph.node('Pad', [x.name, pads], [attr.string('mode', 'constant')], node.name);
        set(y, [x.shape[0]! + n0 + n1, x.shape[1]! + c0 + c1, x.shape[2]! + h0 + h1, x.shape[3]! + w0 + w1]);
        break;
      }
      case 'Reshape': {
        const x = valueOf(inputs[0]!);
        const target = Array.from(weightOf(inputs[1]!).data);
        // A reshape reads memory in TF's NHWC order: go back to it first.
        const source = x.shape.length === 4 ? graph.node('Transpose', [x.name], [attr.ints('perm', [0, 2, 3, 1])], `${node.name}/nhwc`) : x.name;
        const y = graph.node('Reshape', [source, graph.int64(`${node.name}/shape`, target)], [], node.name);
        const total = x.shape.reduce((s, d) => s * d, 1);
        const known = target.filter((d) => d !== -1).reduce((s, d) => s * d, 1);
        set(y, target.map((d) => (d === -1 ? total / known : d)));
        break;
      }
      case 'Identity': {
        const x = valueOf(inputs[0]!);
        const out = conversion.outputs[node.name];
        if (out) {
          graph.rename(x.name, out);
          graph.output(out, ['N', ...x.shape.slice(1)]);
          set(out, x.shape);
        } else {
          set(x.name, x.shape);
        }
        break;
      }
      default:
        throw new Error(`${node.name}: TF op ${node.op} is not supported by the converter`);
    }
  }
  for (const name of Object.keys(conversion.outputs)) {
    if (!values.has(name)) throw new Error(`the graph has no output ${name}`);
  }
}

function stridesOf(a: Record<string, TfAttr>): [number, number] {
  const s = ints(a.strides);
  return [s[1] ?? 1, s[2] ?? 1];
}

/** Explicit ONNX pads `[top, left, bottom, right]` and the output size for TF's SAME or VALID padding. */
function padding(a: Record<string, TfAttr>, shape: number[], kernel: [number, number], strides: [number, number], dilations: [number, number]) {
  const mode = a.padding?.s ? decode(a.padding.s) : 'VALID';
  const sizes = [shape[2]!, shape[3]!];
  const out: number[] = [];
  const begin: number[] = [];
  const end: number[] = [];
  for (let d = 0; d < 2; d++) {
    const k = (kernel[d]! - 1) * dilations[d]! + 1;
    if (mode === 'SAME') {
      const o = Math.ceil(sizes[d]! / strides[d]!);
      const total = Math.max(0, (o - 1) * strides[d]! + k - sizes[d]!);
      out.push(o);
      begin.push(Math.floor(total / 2));
      end.push(total - Math.floor(total / 2));
    } else if (mode === 'VALID') {
      out.push(Math.floor((sizes[d]! - k) / strides[d]!) + 1);
      begin.push(0);
      end.push(0);
    } else {
      throw new Error(`padding ${mode} is not supported`);
    }
  }
  return { pads: [begin[0]!, begin[1]!, end[0]!, end[1]!], out: out as [number, number] };
}

/** A PReLU slope of TF shape `[1, 1, C]` (or `[C]`) as ONNX `[C, 1, 1]`, broadcast over H and W. */
function slope(graph: OnnxGraph, name: string, alpha: Tensor): string {
  const c = alpha.data.length;
  return graph.weight(`${name}/slope`, [c, 1, 1], alpha.data);
}

function clipBounds(graph: OnnxGraph, min: number, max: number): [string, string] {
  return [graph.weight('clip_min', [], Float32Array.of(min)), graph.weight('clip_max', [], Float32Array.of(max))];
}
