/**
 * What Xet storage would find already stored when files are uploaded after
 * others: each file cut into chunks by Xet's own chunker (the
 * @huggingface/xetchunk-wasm package @huggingface/hub uploads with; it
 * reproduces xet-core's test vectors), and the bytes of the new files'
 * chunks counted against the chunks the earlier files had. A chunk that
 * appears twice in the new files is counted once, as Xet sends it once.
 * Xet compresses what it sends and adds its own metadata: this counts the
 * chunks' bytes before that.
 */
import { getChunks, hashToHex } from "@huggingface/xetchunk-wasm";

export interface Dedup {
  /** Bytes of the new files. */
  total: number;
  /** Bytes of their chunks the earlier files did not have (each distinct chunk once). */
  fresh: number;
}

/** The chunk hashes of `files`. */
export function chunkSet(files: Uint8Array[]): Set<string> {
  const known = new Set<string>();
  for (const file of files) for (const chunk of getChunks(file)) known.add(hashToHex(chunk.hash));
  return known;
}

/** Bytes of `after` not already in `before` (chunk hashes of the earlier files, chunkSet). */
export function freshBytes(before: Set<string>, after: Uint8Array[]): Dedup {
  const seen = new Set(before);
  let total = 0;
  let fresh = 0;
  for (const file of after)
    for (const chunk of getChunks(file)) {
      total += chunk.length;
      const hash = hashToHex(chunk.hash);
      if (seen.has(hash)) continue;
      seen.add(hash);
      fresh += chunk.length;
    }
  return { total, fresh };
}
