import type { VectorIndex } from './vector-index.js';

/** Tuning of the approximate index. Every field has a default tuned on 512-d face embeddings. */
export interface IvfIndexOptions {
  /**
   * Max cosine distance from a new face to a list's leader for the face to join that list;
   * farther faces found a list of their own. Faces of one person sit 0.25-0.55 apart and
   * different people near 1.0, so lists come out one person (or one look of a person) each.
   * @default 0.6
   */
  joinDistance?: number;
  /** A full list takes no more faces: a new face then founds a sibling list. @default 64 */
  maxListSize?: number;
  /** Lists whose leaders are re-ranked exactly after the binary pre-filter. @default 64 */
  candidateLists?: number;
  /** Lists scanned exactly per query, nearest leaders first (more while fewer than k faces were seen). @default 8 */
  probeLists?: number;
  /** Bits of the leaders' binary codes. A multiple of 32. @default 256 */
  codeBits?: number;
  /** Seed of the random projection behind the binary codes. @default 1 */
  seed?: number;
}

/** An approximate index that also reports its own footprint. */
export interface IvfIndex extends VectorIndex {
  /** Bytes held in typed arrays (codes, vectors, lists); excludes the id map. */
  readonly bytes: number;
  /** Number of inverted lists (leaders). */
  readonly lists: number;
}

const TAPS = 4;
const SLOTS_PER_CHUNK = 1 << 16;

/**
 * Approximate nearest-neighbour search for face embeddings: an inverted file whose lists are
 * tight "leader" clusters rather than k-means cells.
 *
 * Why this shape: face embeddings are tight clusters (one per person) on a sphere where
 * different people are nearly orthogonal. A k-means cell holding many people has a centroid
 * barely closer to each of them than to a stranger, so coarse k-means probing misses; a graph
 * (HNSW) has no gradient to follow between near-orthogonal clusters and costs hours to build
 * at 1M in JavaScript. A list led by one face of the person is, by contrast, found at once:
 * the query shares ~0.6 cosine with it against ~0 +- 0.04 for every other leader. Finding it
 * needs one pass over the leaders, which a 256-bit sign code (SimHash) makes ~10x cheaper than
 * dot products; the best `candidateLists` leaders are then re-ranked exactly and the nearest
 * `probeLists` lists scanned exactly.
 *
 * Storage is compact: each face is kept as int8 (one scale per vector), 4x smaller than
 * float32, with distances within ~1e-3 of exact. Slots live in 64k-face chunks so no typed
 * array approaches V8's limits at 1M x 512. Insert, remove and search are all incremental;
 * the only randomness (the code projection) is seeded.
 */
export function createIvfIndex(dimensions: number, options: IvfIndexOptions = {}): IvfIndex {
  const joinDistance = options.joinDistance ?? 0.6;
  const maxListSize = options.maxListSize ?? 64;
  const candidateLists = options.candidateLists ?? 64;
  const probeLists = options.probeLists ?? 8;
  const codeBits = options.codeBits ?? 256;
  if (!Number.isInteger(dimensions) || dimensions < 1) throw new Error(`dimensions ${dimensions} must be a positive integer`);
  if (codeBits % 32 !== 0 || codeBits < 32) throw new Error(`codeBits ${codeBits} must be a positive multiple of 32`);
  if (maxListSize < 1 || candidateLists < 1 || probeLists < 1) throw new Error('maxListSize, candidateLists and probeLists must be at least 1');
  const words = codeBits / 32;

  // Sparse random projection: each bit is the sign of TAPS signed coordinates.
  const tapIndex = new Int32Array(codeBits * TAPS);
  const tapSign = new Float64Array(codeBits * TAPS);
  {
    let state = (options.seed ?? 1) >>> 0;
    const next = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let i = 0; i < tapIndex.length; i++) {
      tapIndex[i] = Math.floor(next() * dimensions);
      tapSign[i] = next() < 0.5 ? -1 : 1;
    }
  }
  const popcount = new Uint8Array(1 << 16);
  for (let i = 1; i < popcount.length; i++) popcount[i] = (i & 1) + popcount[i >> 1]!;

  // Slots: one int8 vector, its scale and its id each; freed slots are reused.
  const chunks: Int8Array[] = [];
  let slotScale = new Float64Array(1024);
  let slotId = new Float64Array(1024);
  let slotList = new Int32Array(1024);
  let slotPos = new Int32Array(1024);
  let slotCapacity = 1024;
  let slotsUsed = 0;
  const freeSlots: number[] = [];
  const slotOf = new Map<number, number>();

  // Lists: leader slot, leader code, members (fixed capacity each).
  let listCapacity = 256;
  let listCount = 0;
  let leaderSlot = new Int32Array(listCapacity);
  let leaderCode = new Int32Array(listCapacity * words);
  let members = new Int32Array(listCapacity * maxListSize);
  let memberCount = new Int32Array(listCapacity);

  // Scratch reused by every query.
  const q64 = new Float64Array(dimensions);
  const qCode = new Int32Array(words);
  const decoded = new Float64Array(dimensions);
  let hamming = new Uint16Array(listCapacity);
  const histogram = new Int32Array(codeBits + 1);

  const growSlots = () => {
    slotCapacity *= 2;
    const grow64 = (a: Float64Array) => {
      const b = new Float64Array(slotCapacity);
      b.set(a);
      return b;
    };
    const grow32 = (a: Int32Array) => {
      const b = new Int32Array(slotCapacity);
      b.set(a);
      return b;
    };
    slotScale = grow64(slotScale);
    slotId = grow64(slotId);
    slotList = grow32(slotList);
    slotPos = grow32(slotPos);
  };

  const allocSlot = (): number => {
    const free = freeSlots.pop();
    if (free !== undefined) return free;
    const slot = slotsUsed++;
    if (slot === slotCapacity) growSlots();
    if (slot % SLOTS_PER_CHUNK === 0) chunks.push(new Int8Array(SLOTS_PER_CHUNK * dimensions));
    return slot;
  };

  const store = (slot: number, vector: Float32Array) => {
    let max = 0;
    for (let j = 0; j < dimensions; j++) {
      const a = Math.abs(vector[j]!);
      if (a > max) max = a;
    }
    const scale = max > 0 ? max / 127 : 1;
    const inv = 1 / scale;
    const chunk = chunks[Math.floor(slot / SLOTS_PER_CHUNK)]!;
    const o = (slot % SLOTS_PER_CHUNK) * dimensions;
    for (let j = 0; j < dimensions; j++) chunk[o + j] = Math.round(vector[j]! * inv);
    slotScale[slot] = scale;
  };

  /** Dot product of the query held in q64 with a stored slot. */
  const dotSlot = (slot: number): number => {
    const chunk = chunks[Math.floor(slot / SLOTS_PER_CHUNK)]!;
    let o = (slot % SLOTS_PER_CHUNK) * dimensions;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j + 3 < dimensions; j += 4, o += 4) {
      s0 += chunk[o]! * q64[j]!;
      s1 += chunk[o + 1]! * q64[j + 1]!;
      s2 += chunk[o + 2]! * q64[j + 2]!;
      s3 += chunk[o + 3]! * q64[j + 3]!;
    }
    for (; j < dimensions; j++, o++) s0 += chunk[o]! * q64[j]!;
    return (s0 + s1 + s2 + s3) * slotScale[slot]!;
  };

  const encode = (vector: ArrayLike<number>, out: Int32Array, at: number) => {
    for (let w = 0; w < words; w++) {
      let bits = 0;
      for (let b = 0; b < 32; b++) {
        const t = (w * 32 + b) * TAPS;
        let s = 0;
        for (let u = 0; u < TAPS; u++) s += tapSign[t + u]! * vector[tapIndex[t + u]!]!;
        if (s > 0) bits |= 1 << b;
      }
      out[at + w] = bits;
    }
  };

  const decodeSlot = (slot: number) => {
    const chunk = chunks[Math.floor(slot / SLOTS_PER_CHUNK)]!;
    const o = (slot % SLOTS_PER_CHUNK) * dimensions;
    const scale = slotScale[slot]!;
    for (let j = 0; j < dimensions; j++) decoded[j] = chunk[o + j]! * scale;
    return decoded;
  };

  const prepareQuery = (vector: Float32Array) => {
    if (vector.length !== dimensions) throw new Error(`vector has ${vector.length} dimensions, the index ${dimensions}`);
    for (let j = 0; j < dimensions; j++) q64[j] = vector[j]!;
    encode(vector, qCode, 0);
  };

  /**
   * The `want` lists whose leader codes are nearest the query's, unordered. One pass for the
   * Hamming distances and their histogram, one to collect up to the threshold.
   */
  const candidateListsFor = (want: number): number[] => {
    if (listCount <= want) return Array.from({ length: listCount }, (_, i) => i);
    histogram.fill(0);
    for (let l = 0, o = 0; l < listCount; l++, o += words) {
      let h = 0;
      for (let w = 0; w < words; w++) {
        const x = leaderCode[o + w]! ^ qCode[w]!;
        h += popcount[x & 0xffff]! + popcount[x >>> 16]!;
      }
      hamming[l] = h;
      histogram[h]!++;
    }
    let threshold = 0;
    for (let seen = 0; threshold <= codeBits; threshold++) {
      seen += histogram[threshold]!;
      if (seen >= want) break;
    }
    const picked: number[] = [];
    const ties: number[] = [];
    for (let l = 0; l < listCount; l++) {
      const h = hamming[l]!;
      if (h < threshold) picked.push(l);
      else if (h === threshold) ties.push(l);
    }
    for (let i = 0; picked.length < want && i < ties.length; i++) picked.push(ties[i]!);
    return picked;
  };

  /** Candidate lists ranked by exact distance from the query (in q64) to their leaders. */
  const rankedLists = (want: number): Array<{ list: number; distance: number }> =>
    candidateListsFor(want)
      .map((list) => ({ list, distance: 1 - dotSlot(leaderSlot[list]!) }))
      .sort((a, b) => a.distance - b.distance);

  const addList = (slot: number, vector: ArrayLike<number>): number => {
    if (listCount === listCapacity) {
      listCapacity *= 2;
      const grow = (a: Int32Array, width: number) => {
        const b = new Int32Array(listCapacity * width);
        b.set(a);
        return b;
      };
      leaderSlot = grow(leaderSlot, 1);
      leaderCode = grow(leaderCode, words);
      members = grow(members, maxListSize);
      memberCount = grow(memberCount, 1);
      hamming = new Uint16Array(listCapacity);
    }
    const list = listCount++;
    leaderSlot[list] = slot;
    encode(vector, leaderCode, list * words);
    memberCount[list] = 0;
    return list;
  };

  const join = (list: number, slot: number) => {
    const pos = memberCount[list]!++;
    members[list * maxListSize + pos] = slot;
    slotList[slot] = list;
    slotPos[slot] = pos;
  };

  /** Moves the last list into `list`'s place so the list arrays stay dense. */
  const dropList = (list: number) => {
    const last = --listCount;
    if (list === last) return;
    leaderSlot[list] = leaderSlot[last]!;
    leaderCode.copyWithin(list * words, last * words, (last + 1) * words);
    members.copyWithin(list * maxListSize, last * maxListSize, last * maxListSize + memberCount[last]!);
    memberCount[list] = memberCount[last]!;
    for (let p = 0; p < memberCount[list]!; p++) slotList[members[list * maxListSize + p]!] = list;
  };

  const detach = (slot: number) => {
    const list = slotList[slot]!;
    const pos = slotPos[slot]!;
    const base = list * maxListSize;
    const last = --memberCount[list]!;
    if (pos !== last) {
      const moved = members[base + last]!;
      members[base + pos] = moved;
      slotPos[moved] = pos;
    }
    if (last === 0) dropList(list);
    else if (leaderSlot[list] === slot) {
      // The next member leads; lists are tight, so any member represents the list.
      const heir = members[base]!;
      leaderSlot[list] = heir;
      encode(decodeSlot(heir), leaderCode, list * words);
    }
  };

  const insert = (slot: number, vector: Float32Array) => {
    let target = -1;
    if (listCount > 0) {
      for (const { list, distance } of rankedLists(candidateLists)) {
        if (distance > joinDistance) break;
        if (memberCount[list]! < maxListSize) {
          target = list;
          break;
        }
      }
    }
    if (target < 0) target = addList(slot, vector);
    join(target, slot);
  };

  return {
    get size() {
      return slotOf.size;
    },
    dimensions,
    get lists() {
      return listCount;
    },
    get bytes() {
      return (
        chunks.length * SLOTS_PER_CHUNK * dimensions +
        slotCapacity * (8 + 8 + 4 + 4) +
        listCapacity * (4 + words * 4 + maxListSize * 4 + 4 + 2)
      );
    },
    add(id, vector) {
      prepareQuery(vector);
      const existing = slotOf.get(id);
      if (existing !== undefined) {
        detach(existing);
        freeSlots.push(existing);
        slotOf.delete(id);
      }
      const slot = allocSlot();
      store(slot, vector);
      slotId[slot] = id;
      insert(slot, vector);
      slotOf.set(id, slot);
    },
    remove(id) {
      const slot = slotOf.get(id);
      if (slot === undefined) return;
      detach(slot);
      freeSlots.push(slot);
      slotOf.delete(id);
    },
    has: (id) => slotOf.has(id),
    search(vector, k) {
      prepareQuery(vector);
      if (k <= 0 || listCount === 0) return [];
      const bestD: number[] = [];
      const bestS: number[] = [];
      let seen = 0;
      let probed = 0;
      for (const { list } of rankedLists(Math.max(candidateLists, k))) {
        if (probed >= probeLists && seen >= k) break;
        probed++;
        const base = list * maxListSize;
        const n = memberCount[list]!;
        seen += n;
        for (let p = 0; p < n; p++) {
          const slot = members[base + p]!;
          const d = 1 - dotSlot(slot);
          if (bestD.length === k && d >= bestD[k - 1]!) continue;
          let at = bestD.length;
          while (at > 0 && bestD[at - 1]! > d) at--;
          bestD.splice(at, 0, d);
          bestS.splice(at, 0, slot);
          if (bestD.length > k) {
            bestD.pop();
            bestS.pop();
          }
        }
      }
      return bestD.map((distance, i) => ({ id: slotId[bestS[i]!]!, distance }));
    },
  };
}
