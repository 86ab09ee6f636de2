/**
 * The few protobuf wire-format writes an ONNX file needs (varints, fixed 32-bit floats,
 * length-delimited bytes and sub-messages). Output is a pure function of the calls made, so a
 * model built from the same weights always has the same bytes (and sha256).
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private varint(value: bigint): this {
    // int64 fields: negative values take ten bytes (two's complement), as protobuf specifies.
    let v = BigInt.asUintN(64, value);
    const out: number[] = [];
    do {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      out.push(v > 0n ? byte | 0x80 : byte);
    } while (v > 0n);
    return this.push(Uint8Array.from(out));
  }

  private tag(field: number, wireType: 0 | 2 | 5): this {
    return this.varint(BigInt((field << 3) | wireType));
  }

  /** int32, int64 and enum fields. */
  int(field: number, value: number | bigint): this {
    return this.tag(field, 0).varint(BigInt(value));
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.tag(field, 5).push(b);
  }

  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, 2).varint(BigInt(value.length)).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** Repeated int64 written packed (one length-delimited field). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(BigInt(v));
    return this.bytes(field, inner.finish());
  }

  /** Repeated float written packed. */
  packedFloats(field: number, values: readonly number[]): this {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}
