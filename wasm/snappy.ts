// Snappy compression (raw format): 64 KiB fragments, a hash table of 4-byte sequences, the skip heuristic.
// Compresses `length` bytes at `src` to `dst` (room for 32 + length + length / 6 bytes); `table` holds 2^14 i32.
// Returns the compressed length.

const FRAGMENT: i32 = 1 << 16;
const MIN_INPUT: i32 = 15;

export function snappy(src: usize, length: i32, dst: usize, table: usize): i32 {
  let op = dst;
  let n = <u32>length;
  while (n >= 0x80) {
    store<u8>(op++, (n & 0x7f) | 0x80);
    n >>= 7;
  }
  store<u8>(op++, n);
  for (let start = 0; start < length; start += FRAGMENT) {
    const end = min(length, start + FRAGMENT);
    op = fragment(src, start, end, op, table);
  }
  return <i32>(op - dst);
}

@inline function hash(x: u32, shift: u32): usize {
  return <usize>((x * 0x1e35a7bd) >> shift);
}

function fragment(src: usize, start: i32, end: i32, op: usize, table: usize): usize {
  const length = end - start;
  if (length < MIN_INPUT) return literal(src + start, length, op);
  let bits: u32 = 8;
  while ((1 << bits) < length && bits < 14) bits++;
  const shift: u32 = 32 - bits;
  memory.fill(table, 0xff, (<usize>1 << bits) << 2);
  const limit = end - MIN_INPUT;
  let emitted = start;
  let ip = start + 1;
  let nextHash = hash(load<u32>(src + ip), shift);
  while (true) {
    let skip: i32 = 32;
    let next = ip;
    let candidate: i32 = 0;
    while (true) {
      ip = next;
      const h = nextHash;
      next = ip + (skip >> 5);
      skip++;
      if (next > limit) return literal(src + emitted, end - emitted, op);
      nextHash = hash(load<u32>(src + next), shift);
      candidate = load<i32>(table + (h << 2));
      store<i32>(table + (h << 2), ip);
      if (candidate >= 0 && load<u32>(src + ip) == load<u32>(src + candidate)) break;
    }
    op = literal(src + emitted, ip - emitted, op);
    while (true) {
      const base = ip;
      let matched = 4;
      while (ip + matched + 8 <= end) {
        const x = load<u64>(src + ip + matched) ^ load<u64>(src + candidate + matched);
        if (x != 0) {
          matched += <i32>(ctz(x) >> 3);
          break;
        }
        matched += 8;
      }
      if (ip + matched + 8 > end) while (ip + matched < end && load<u8>(src + ip + matched) == load<u8>(src + candidate + matched)) matched++;
      ip += matched;
      op = copy(base - candidate, matched, op);
      emitted = ip;
      if (ip >= limit) return emitted < end ? literal(src + emitted, end - emitted, op) : op;
      store<i32>(table + (hash(load<u32>(src + ip - 1), shift) << 2), ip - 1);
      const h = hash(load<u32>(src + ip), shift);
      candidate = load<i32>(table + (h << 2));
      store<i32>(table + (h << 2), ip);
      if (candidate < 0 || load<u32>(src + ip) != load<u32>(src + candidate)) {
        ip++;
        nextHash = hash(load<u32>(src + ip), shift);
        break;
      }
    }
  }
  return op;
}

function literal(from: usize, length: i32, op: usize): usize {
  if (length == 0) return op;
  const n = <u32>(length - 1);
  if (n < 60) store<u8>(op++, n << 2);
  else if (n < 0x100) {
    store<u8>(op++, 60 << 2);
    store<u8>(op++, n);
  } else if (n < 0x10000) {
    store<u8>(op++, 61 << 2);
    store<u8>(op++, n & 0xff);
    store<u8>(op++, n >> 8);
  } else {
    store<u8>(op++, 62 << 2);
    store<u8>(op++, n & 0xff);
    store<u8>(op++, (n >> 8) & 0xff);
    store<u8>(op++, n >> 16);
  }
  if (length <= 16) {
    // The output has room to spare: copy 16 bytes, keep `length`.
    store<u64>(op, load<u64>(from));
    store<u64>(op, load<u64>(from, 8), 8);
  } else memory.copy(op, from, <usize>length);
  return op + <usize>length;
}

function copy(offset: i32, length: i32, op: usize): usize {
  while (length >= 68) {
    store<u8>(op++, (63 << 2) | 2);
    store<u8>(op++, offset & 0xff);
    store<u8>(op++, offset >> 8);
    length -= 64;
  }
  if (length > 64) {
    store<u8>(op++, (59 << 2) | 2);
    store<u8>(op++, offset & 0xff);
    store<u8>(op++, offset >> 8);
    length -= 60;
  }
  if (length < 12 && offset < 2048) {
    store<u8>(op++, 1 | ((length - 4) << 2) | ((offset >> 8) << 5));
    store<u8>(op++, offset & 0xff);
  } else {
    store<u8>(op++, 2 | ((length - 1) << 2));
    store<u8>(op++, offset & 0xff);
    store<u8>(op++, offset >> 8);
  }
  return op;
}
