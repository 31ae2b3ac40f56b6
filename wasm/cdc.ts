// Content-defined chunking scan (Arrow C++'s gear hash) over rows of one flat column.
// State at `state`: hash u64 @0, size i64 @8, run i32 @16, matched i32 @20, min i64 @24, max i64 @32, mask u64 @40.
// Gear tables at `tables`: 8 × 256 u64. Cut rows are stored as i32 at `cuts`; returns their count.
// `kind`: 0 fixed width (`values`, `width` bytes each), 1 variable width (`values` = i32 offsets, `data` + offset = bytes),
// 2 booleans (`values` bitmap from bit `data`), 3 no values (levels only).
// Validity: bit `bitOffset + i` of `validity` (0: every row valid).

export function scan(state: usize, tables: usize, validity: usize, bitOffset: i32, n: i32, maxDef: i32, kind: i32, values: usize, data: usize, width: i32, cuts: usize): i32 {
  let h = load<u64>(state);
  let size = load<i64>(state, 8);
  let run = load<i32>(state, 16);
  let m = load<i32>(state, 20) != 0;
  const minSize = load<i64>(state, 24);
  const maxSize = load<i64>(state, 32);
  const mask = load<u64>(state, 40);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const bit = bitOffset + i;
    const ok = validity == 0 || ((<u32>load<u8>(validity + (<usize>bit >> 3)) >> (<u32>bit & 7)) & 1) != 0;
    if (maxDef > 0) {
      size += 2;
      if (size >= minSize) {
        const t = tables + (<usize>run << 11);
        const level = ok ? <u32>maxDef : 0;
        h = (h << 1) + load<u64>(t + (<usize>(level & 255) << 3));
        m = m | ((h & mask) == 0);
        h = (h << 1) + load<u64>(t + (<usize>(level >> 8) << 3));
        m = m | ((h & mask) == 0);
      }
    }
    if (ok && kind != 3) {
      let p: usize;
      let len: i32;
      if (kind == 0) {
        p = values + <usize>(i * width);
        len = width;
      } else if (kind == 1) {
        const start = load<i32>(values + (<usize>i << 2));
        p = data + <usize>start;
        len = load<i32>(values + (<usize>(i + 1) << 2)) - start;
      } else {
        p = 0;
        len = 1;
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
    // Arrow's NeedNewChunk.
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
