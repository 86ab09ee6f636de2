/**
 * Photo files by path, whatever bytes their names hold.
 *
 * The catalog keeps a file's path as text (its key). A name that is valid UTF-8 (nearly every
 * name) is its own key. A name with bytes that are not UTF-8 (a Latin-1 "café.jpg" copied from
 * an old camera or a Windows share) would turn into U+FFFD when read as text, and the file could
 * no longer be opened; so each such byte `b` is kept as the private-use character U+EF00 + b
 * (U+EF80..U+EFFF), and turned back into the byte when the file is opened. The few names that
 * hold a character of that range as valid UTF-8 have its bytes kept the same way, so the mapping
 * goes both ways for every name. To people, such bytes show as `\xE9`.
 */

const FIRST = 0xef80;
const LAST = 0xefff;
const ESCAPED = /[\uef80-\uefff]/;

const escape = (byte: number) => String.fromCharCode(0xef00 + byte);

/** The length of the valid UTF-8 sequence at `i`, or 0 when the byte there starts none. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < bytes.length && bytes[i + k]! >= lo && bytes[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80; // no overlong forms
    const hi = b0 === 0xed ? 0x9f : 0xbf; // no surrogates
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** The key of a path given as the bytes the file system holds. */
export function keyFromBytes(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (!text.includes('\ufffd') && !ESCAPED.test(text)) return text;
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const n = sequenceLength(bytes, i);
    const char = n === 0 ? '' : Buffer.from(bytes.subarray(i, i + n)).toString('utf8');
    const code = char.codePointAt(0) ?? 0;
    if (n > 0 && (code < FIRST || code > LAST)) out += char;
    else for (const b of bytes.subarray(i, i + Math.max(1, n))) out += escape(b);
    i += Math.max(1, n);
  }
  return out;
}

/** What to give the file system for a key: the key itself, or its bytes when it holds kept bytes. */
export function fsPath(key: string): string | Buffer {
  if (!ESCAPED.test(key)) return key;
  const parts: Buffer[] = [];
  for (const char of key) {
    const code = char.codePointAt(0)!;
    parts.push(code >= FIRST && code <= LAST ? Buffer.of(code - 0xef00) : Buffer.from(char, 'utf8'));
  }
  return Buffer.concat(parts);
}

/** A key as people read it: kept bytes as `\xE9`. */
export function readablePath(key: string): string {
  return key.replace(/[\uef80-\uefff]/g, (c) => `\\x${(c.charCodeAt(0) - 0xef00).toString(16).toUpperCase().padStart(2, '0')}`);
}
