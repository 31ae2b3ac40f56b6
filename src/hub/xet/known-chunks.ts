/**
 * The chunks an upload need not send (docs/xet.md#hashes, global-dedup
 * eligibility): those it already put in one of its own xorbs, and those the
 * CAS said it has, in dedup answers whose chunk hashes are keyed (a client
 * recognises only chunks it holds).
 */
import { type DedupAnswer, type ListedChunk } from "./shard.js";
import { hashKey, hmac } from "./hashes.js";
import type { OpenXorb } from "./xorb.js";

/** A xorb already in the CAS (its hash), or one of this upload's own. */
export type XorbRef = Uint8Array | OpenXorb;

export interface ChunkRef {
  xorb: XorbRef;
  index: number;
}

interface KeyedListing {
  key: Uint8Array;
  plain: boolean;
  chunks: Map<string, ListedChunk>;
}

export class KnownChunks {
  private readonly own = new Map<string, ChunkRef>();
  private readonly listings = new Map<string, KeyedListing>();

  /** A chunk this upload put in `xorb` at `index`. */
  remember(hash: Uint8Array, ref: ChunkRef): void {
    const key = hashKey(hash);
    if (!this.own.has(key)) this.own.set(key, ref);
  }

  learn(answer: DedupAnswer): void {
    const id = hashKey(answer.key);
    const listing = this.listings.get(id) ?? { key: answer.key, plain: answer.key.every((b) => b === 0), chunks: new Map() };
    for (const [hash, where] of answer.chunks) if (!listing.chunks.has(hash)) listing.chunks.set(hash, where);
    this.listings.set(id, listing);
  }

  /** Where a chunk with this hash already is; `stored` when it is in the CAS from before this upload. */
  find(hash: Uint8Array, length: number): { ref: ChunkRef; stored: boolean } | undefined {
    const own = this.own.get(hashKey(hash));
    if (own) return { ref: own, stored: false };
    for (const listing of this.listings.values()) {
      const listed = listing.chunks.get(hashKey(listing.plain ? hash : hmac(hash, listing.key)));
      if (listed?.length === length) return { ref: { xorb: listed.xorb, index: listed.index }, stored: true };
    }
    return undefined;
  }
}
