// Writes a tiny llama-architecture GGUF file with seeded random weights (about 1 MB): a model
// that llama.cpp loads and runs in milliseconds, whose answers are gibberish. It exists so that
// facetag's LLM client can be tested over a real OpenAI-compatible server without downloading
// any weights. Usage: node make-tiny-model.mjs [out.gguf]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_MODEL = resolve(here, 'models', 'tiny-random-llama.gguf');

const T = { U32: 4, I32: 5, F32: 6, STRING: 8, ARRAY: 9 };
const ALIGN = 32;

/** The GGUF v3 bytes of a random llama with an SPM tokenizer of byte tokens only. */
export function tinyLlamaGguf({ embd = 64, layers = 2, ff = 128, heads = 4, context = 8192, seed = 42 } = {}) {
  const tokens = ['<unk>', '<s>', '</s>', ...Array.from({ length: 256 }, (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, '0')}>`)];
  const types = [2, 3, 3, ...Array(256).fill(6)]; // unknown, control, control, byte
  const vocab = tokens.length;
  const meta = [
    ['general.architecture', T.STRING, 'llama'],
    ['general.name', T.STRING, 'facetag-tiny-random-llama'],
    ['general.alignment', T.U32, ALIGN],
    ['llama.context_length', T.U32, context],
    ['llama.embedding_length', T.U32, embd],
    ['llama.block_count', T.U32, layers],
    ['llama.feed_forward_length', T.U32, ff],
    ['llama.attention.head_count', T.U32, heads],
    ['llama.attention.head_count_kv', T.U32, heads],
    ['llama.rope.dimension_count', T.U32, embd / heads],
    ['llama.attention.layer_norm_rms_epsilon', T.F32, 1e-5],
    ['llama.vocab_size', T.U32, vocab],
    ['tokenizer.ggml.model', T.STRING, 'llama'],
    ['tokenizer.ggml.tokens', T.ARRAY, [T.STRING, tokens]],
    ['tokenizer.ggml.scores', T.ARRAY, [T.F32, tokens.map(() => 0)]],
    ['tokenizer.ggml.token_type', T.ARRAY, [T.I32, types]],
    ['tokenizer.ggml.unknown_token_id', T.U32, 0],
    ['tokenizer.ggml.bos_token_id', T.U32, 1],
    ['tokenizer.ggml.eos_token_id', T.U32, 2],
  ];
  // ggml order: the first dimension is the row length.
  const tensors = [['token_embd.weight', [embd, vocab]], ['output_norm.weight', [embd]], ['output.weight', [embd, vocab]]];
  for (let i = 0; i < layers; i++) {
    tensors.push(
      [`blk.${i}.attn_norm.weight`, [embd]], [`blk.${i}.attn_q.weight`, [embd, embd]], [`blk.${i}.attn_k.weight`, [embd, embd]],
      [`blk.${i}.attn_v.weight`, [embd, embd]], [`blk.${i}.attn_output.weight`, [embd, embd]], [`blk.${i}.ffn_norm.weight`, [embd]],
      [`blk.${i}.ffn_gate.weight`, [embd, ff]], [`blk.${i}.ffn_up.weight`, [embd, ff]], [`blk.${i}.ffn_down.weight`, [ff, embd]],
    );
  }

  const parts = [];
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
  const i32 = (v) => { const b = Buffer.alloc(4); b.writeInt32LE(v); parts.push(b); };
  const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); parts.push(b); };
  const f32 = (v) => { const b = Buffer.alloc(4); b.writeFloatLE(v); parts.push(b); };
  const str = (s) => { const b = Buffer.from(s, 'utf8'); u64(b.length); parts.push(b); };
  const value = (type, v) => {
    if (type === T.U32) u32(v);
    else if (type === T.I32) i32(v);
    else if (type === T.F32) f32(v);
    else if (type === T.STRING) str(v);
    else { const [inner, items] = v; u32(inner); u64(items.length); for (const x of items) value(inner, x); }
  };

  parts.push(Buffer.from('GGUF', 'ascii'));
  u32(3);
  u64(tensors.length);
  u64(meta.length);
  for (const [key, type, v] of meta) { str(key); u32(type); value(type, v); }
  let offset = 0;
  const sizes = [];
  for (const [name, dims] of tensors) {
    str(name);
    u32(dims.length);
    for (const d of dims) u64(d);
    u32(0); // F32
    u64(offset);
    const bytes = dims.reduce((a, b) => a * b, 1) * 4;
    sizes.push(bytes);
    offset += Math.ceil(bytes / ALIGN) * ALIGN;
  }
  const header = Buffer.concat(parts);
  const pad = (n) => (ALIGN - (n % ALIGN)) % ALIGN;
  const data = Buffer.alloc(offset);
  // Seeded xorshift: the same file every time, so a run can be reproduced.
  let s = seed >>> 0 || 1;
  const rand = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 0xffffffff; };
  let at = 0;
  for (const [i, [name, dims]] of tensors.entries()) {
    const n = dims.reduce((a, b) => a * b, 1);
    const norm = name.endsWith('norm.weight');
    for (let j = 0; j < n; j++) data.writeFloatLE(norm ? 1 : (rand() - 0.5) * 0.2, at + j * 4);
    at += Math.ceil(sizes[i] / ALIGN) * ALIGN;
  }
  return Buffer.concat([header, Buffer.alloc(pad(header.length)), data]);
}

export function writeTinyModel(file = DEFAULT_MODEL) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, tinyLlamaGguf());
  return file;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = writeTinyModel(process.argv[2] ? resolve(process.argv[2]) : DEFAULT_MODEL);
  process.stdout.write(`${file}\n`);
}
