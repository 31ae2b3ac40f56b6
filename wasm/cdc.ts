// Content-defined chunking scan (Arrow C++'s ContentDefinedChunker) over the triplets of one column.
// State at `state`: hash u64 @0, size i64 @8, run i32 @16, matched i32 @20, min i64 @24, max i64 @32, mask u64 @40.
// Gear tables at `tables`: 8 × 256 u64. Cut triplets are stored as i32 at `cuts`; returns their count.
// Levels: `defs` / `reps` hold one u8 per triplet (0: none). Without `defs`, the definition level is
// `maxDef` where bit `bitOffset + i` of `validity` is set (every triplet when `validity` is 0), else 0.
// A value is rolled where the definition level is `maxDef`; a cut may fall only where the repetition
// level is 0 (a record's first triplet).
// `kind`: 0 fixed width (`values`, `width` bytes each), 1 variable width (`values` = i32 offsets, `data` + offset = bytes),
// 2 booleans (`values` bitmap from bit `data`), 3 no values (levels only).

export function scan(
  state: usize,
  tables: usize,
  n: i32,
  validity: usize,
  bitOffset: i32,
  defs: usize,
  reps: usize,
  maxDef: i32,
  maxRep: i32,
  kind: i32,
  values: usize,
  data: usize,
  width: i32,
  cuts: usize,
): i32 {
  let h = load<u64>(state);
  let size = load<i64>(state, 8);
  let run = load<i32>(state, 16);
  let m = load<i32>(state, 20) != 0;
  const minSize = load<i64>(state, 24);
  const maxSize = load<i64>(state, 32);
  const mask = load<u64>(state, 40);
  let count = 0;
  for (let i = 0; i < n; i++) {
    let def: u32;
    if (defs != 0) def = <u32>load<u8>(defs + <usize>i);
    else {
      const bit = bitOffset + i;
      def = validity == 0 || ((<u32>load<u8>(validity + (<usize>bit >> 3)) >> (<u32>bit & 7)) & 1) != 0 ? <u32>maxDef : 0;
    }
    const rep: u32 = reps != 0 ? <u32>load<u8>(reps + <usize>i) : 0;
    // Levels: 2 bytes each (Arrow rolls them as int16).
    if (maxDef > 0) {
      size += 2;
      if (size >= minSize) {
        const t = tables + (<usize>run << 11);
        h = (h << 1) + load<u64>(t + (<usize>(def & 255) << 3));
        m = m | ((h & mask) == 0);
        h = (h << 1) + load<u64>(t + (<usize>(def >> 8) << 3));
        m = m | ((h & mask) == 0);
      }
    }
    if (maxRep > 0) {
      size += 2;
      if (size >= minSize) {
        const t = tables + (<usize>run << 11);
        h = (h << 1) + load<u64>(t + (<usize>(rep & 255) << 3));
        m = m | ((h & mask) == 0);
        h = (h << 1) + load<u64>(t + (<usize>(rep >> 8) << 3));
        m = m | ((h & mask) == 0);
      }
    }
    if (def == <u32>maxDef && kind != 3) {
      let p: usize = 0;
      let len: i32 = 1;
      if (kind == 0) {
        p = values + <usize>(i * width);
        len = width;
      } else if (kind == 1) {
        const start = load<i32>(values + (<usize>i << 2));
        p = data + <usize>start;
        len = load<i32>(values + (<usize>(i + 1) << 2)) - start;
      }
      size += len;
      if (size >= minSize) {
        const t = tables + (<usize>run << 11);
        if (kind == 2) {
          const at = <usize>data + <usize>i;
          const b = (<u32>load<u8>(values + (at >> 3)) >> (<u32>at & 7)) & 1;
          h = (h << 1) + load<u64>(t + (<usize>b << 3));
          m = m | ((h & mask) == 0);
        } else {
          for (let k = 0; k < len; k++) {
            h = (h << 1) + load<u64>(t + (<usize>load<u8>(p + k) << 3));
            m = m | ((h & mask) == 0);
          }
        }
      }
    }
    // Arrow's NeedNewChunk, asked only at a record's first triplet.
    if (rep != 0) continue;
    let cut = false;
    if (m) {
      m = false;
      if (++run >= 8) {
        run = 0;
        size = 0;
        cut = true;
      }
    }
    if (!cut && size >= maxSize) {
      size = 0;
      cut = true;
    }
    if (cut) {
      store<i32>(cuts + (<usize>count << 2), i);
      count++;
    }
  }
  store<u64>(state, h);
  store<i64>(state, size, 8);
  store<i32>(state, run, 16);
  store<i32>(state, m ? 1 : 0, 20);
  return count;
}
