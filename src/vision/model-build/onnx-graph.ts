import { ProtoWriter } from './protobuf-writer.js';

/**
 * A small ONNX graph builder: enough to write the default models facetag converts at install
 * (convolutions, activations, pooling, element-wise ops) as a standard `.onnx` file. Field
 * numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto). Repeated scalars are written unpacked, as proto2 declares them.
 */

type Attr =
  | { name: string; kind: 'int'; value: number }
  | { name: string; kind: 'ints'; value: readonly number[] }
  | { name: string; kind: 'float'; value: number }
  | { name: string; kind: 'floats'; value: readonly number[] }
  | { name: string; kind: 'string'; value: string };

export const attr = {
  int: (name: string, value: number): Attr => ({ name, kind: 'int', value }),
  ints: (name: string, value: readonly number[]): Attr => ({ name, kind: 'ints', value }),
  float: (name: string, value: number): Attr => ({ name, kind: 'float', value }),
  floats: (name: string, value: readonly number[]): Attr => ({ name, kind: 'floats', value }),
  string: (name: string, value: string): Attr => ({ name, kind: 'string', value }),
};

/** What an initializer may hold: float32 weights, int64 shapes, and the int8 / uint8 / int32 of a quantised graph. */
export type TensorData = Float32Array | BigInt64Array | Int8Array | Uint8Array | Int32Array;

interface Initializer {
  name: string;
  dims: readonly number[];
  data: TensorData;
}

interface Node {
  op: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs: readonly Attr[];
}

interface ValueInfo {
  name: string;
  /** A number for a fixed size, a string for a named free dimension (`N`). */
  shape: readonly (number | string)[];
}

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;
const INT64 = 7;
const IR_VERSION = 8;

export class OnnxGraph {
  private readonly nodes: Node[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(private readonly graphName: string, private readonly opset = 13) {}

  private unique(base: string): string {
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  input(name: string, shape: readonly (number | string)[]): string {
    this.inputs.push({ name: this.unique(name), shape });
    return name;
  }

  output(name: string, shape: readonly (number | string)[]): void {
    this.outputs.push({ name, shape });
  }

  /** A float32 weight tensor. */
  weight(name: string, dims: readonly number[], data: Float32Array): string {
    return this.tensor(name, dims, data);
  }

  /** A constant of any supported type; `dims` [] is a scalar (a quantisation scale or zero point). */
  tensor(name: string, dims: readonly number[], data: TensorData): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`tensor ${name}: ${data.length} values for dims [${dims.join(', ')}]`);
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dims, data });
    return unique;
  }

  /** An int64 constant (shapes, pads). */
  int64(name: string, values: readonly number[]): string {
    return this.tensor(name, [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  /** Adds a node with one output and returns the output's name. */
  node(op: string, inputs: readonly string[], attrs: readonly Attr[] = [], name = op): string {
    const out = this.unique(name);
    this.nodes.push({ op, name: out, inputs, outputs: [out], attrs });
    return out;
  }

  /** Renames the last node's output (to give a graph output a stable name). */
  rename(from: string, to: string): string {
    const node = this.nodes.find((n) => n.outputs.includes(from));
    if (!node) throw new Error(`no node makes ${from}`);
    this.names.add(to);
    (node as { outputs: readonly string[] }).outputs = node.outputs.map((o) => (o === from ? to : o));
    for (const n of this.nodes) (n as { inputs: readonly string[] }).inputs = n.inputs.map((i) => (i === from ? to : i));
    return to;
  }

  get stats(): { nodes: number; parameters: number; ops: Record<string, number> } {
    const ops: Record<string, number> = {};
    for (const n of this.nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
    const parameters = this.initializers.filter((i) => i.data instanceof Float32Array).reduce((s, i) => s + i.data.length, 0);
    return { nodes: this.nodes.length, parameters, ops };
  }

  /** Serialises the model: the same graph always gives the same bytes. */
  toBytes(meta: { producer: string; version: string; doc: string }): Uint8Array {
    const w = new ProtoWriter();
    w.int(1, IR_VERSION);
    w.string(2, meta.producer);
    w.string(3, meta.version);
    w.string(6, meta.doc);
    w.message(7, (g) => this.writeGraph(g));
    w.message(8, (o) => o.int(2, this.opset));
    return w.finish();
  }

  private writeGraph(g: ProtoWriter): void {
    for (const n of this.nodes) {
      g.message(1, (m) => {
        for (const i of n.inputs) m.string(1, i);
        for (const o of n.outputs) m.string(2, o);
        m.string(3, n.name);
        m.string(4, n.op);
        for (const a of n.attrs) m.message(5, (am) => writeAttr(am, a));
      });
    }
    g.string(2, this.graphName);
    for (const t of this.initializers) g.message(5, (m) => writeTensor(m, t));
    for (const v of this.inputs) g.message(11, (m) => writeValueInfo(m, v));
    for (const v of this.outputs) g.message(12, (m) => writeValueInfo(m, v));
  }
}

function writeAttr(m: ProtoWriter, a: Attr): void {
  m.string(1, a.name);
  switch (a.kind) {
    case 'float': m.float(2, a.value); m.int(20, 1); break;
    case 'int': m.int(3, a.value); m.int(20, 2); break;
    case 'string': m.string(4, a.value); m.int(20, 3); break;
    case 'floats': for (const v of a.value) m.float(7, v); m.int(20, 6); break;
    case 'ints': for (const v of a.value) m.int(8, v); m.int(20, 7); break;
  }
}

function writeTensor(m: ProtoWriter, t: Initializer): void {
  const { data } = t;
  for (const d of t.dims) m.int(1, d);
  m.int(2, data instanceof Float32Array ? FLOAT : data instanceof Uint8Array ? UINT8 : data instanceof Int8Array ? INT8 : data instanceof Int32Array ? INT32 : INT64);
  m.string(8, t.name);
  // raw_data is little-endian by the ONNX spec; copy through a DataView so the host's byte order never matters.
  if (data instanceof Uint8Array || data instanceof Int8Array) {
    m.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
    return;
  }
  const bytes = new Uint8Array(data.length * (data instanceof BigInt64Array ? 8 : 4));
  const view = new DataView(bytes.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else if (data instanceof Int32Array) data.forEach((v, i) => view.setInt32(i * 4, v, true));
  else data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  m.bytes(9, bytes);
}

function writeValueInfo(m: ProtoWriter, v: ValueInfo): void {
  m.string(1, v.name);
  m.message(2, (type) => type.message(1, (tensor) => {
    tensor.int(1, FLOAT);
    tensor.message(2, (shape) => {
      for (const d of v.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
    });
  }));
}
