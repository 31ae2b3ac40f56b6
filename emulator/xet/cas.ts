// The content-addressed store behind the emulator's CAS endpoints: verified
// xorbs, registered files (xet file hash → terms), the chunk index that
// answers global-dedup queries, and the per-repo link from a file's sha256
// (what commits reference) to its xet file hash.
import { createHash } from "node:crypto";
import type { Repo } from "../store.js";
import { type Hash, type XetHasher, hashToHex, sameHash } from "./hash.js";
import { type DedupXorb, type ParsedShard, type ShardFile, buildDedupShard, parseShard } from "./shard.js";
import { type ParsedXorb, decodeChunk, parseXorb } from "./xorb.js";

export class XetVerificationError extends Error {}

export interface StoredXorb extends ParsedXorb {
  hex: string;
  body: Uint8Array;
}

export interface XetTerm {
  xorb: string;
  chunkStart: number;
  chunkEnd: number;
  unpackedBytes: number;
}

export interface XetFile {
  hash: string;
  size: number;
  sha256: string;
  terms: XetTerm[];
}

/** A term as a reconstruction answer lists it, trimmed to the chunks a byte range needs. */
export interface ReconstructionTerm extends XetTerm {
  /** where the term's first chunk starts in the file */
  fileOffset: number;
}

export class XetCas {
  readonly xorbs = new Map<string, StoredXorb>();
  readonly files = new Map<string, XetFile>();
  /** chunk hash → xorbs of the CAS info section that listed it (what a dedup answer returns) */
  private readonly dedupIndex = new Map<string, string[]>();
  /** repo → sha256 → file, from shards uploaded with that repo's write token */
  private readonly linked = new WeakMap<Repo, Map<string, XetFile>>();

  constructor(
    readonly hasher: XetHasher,
    private readonly dedupHmacKey: Uint8Array,
  ) {}

  /** Verify and store a xorb; false when it was already stored. */
  putXorb(hex: string, claimed: Hash, body: Uint8Array): boolean {
    const parsed = parseXorb(this.hasher, body, claimed);
    if (this.xorbs.has(hex)) return false;
    this.xorbs.set(hex, { ...parsed, hex, body });
    return true;
  }

  /**
   * Verify a shard against the stored xorbs and register its files for `repo`.
   * Nothing is registered unless the whole shard checks out.
   */
  putShard(repo: Repo, body: Uint8Array): { filesRegistered: number; alreadyKnown: boolean } {
    const shard = parseShard(body);
    this.checkCasSection(shard);
    const files = shard.files.map((f, i) => this.checkFile(f, i));
    const links = this.linked.get(repo) ?? new Map<string, XetFile>();
    this.linked.set(repo, links);
    let fresh = 0;
    for (const file of files) {
      if (!this.files.has(file.hash)) fresh++;
      const known = this.files.get(file.hash) ?? file;
      this.files.set(file.hash, known);
      links.set(file.sha256, known);
    }
    const blockHexes = shard.xorbs.map((x) => hashToHex(x.hash));
    for (const xorb of shard.xorbs) {
      for (const chunk of xorb.chunks) {
        const key = hashToHex(chunk.hash);
        if (!this.dedupIndex.has(key)) this.dedupIndex.set(key, blockHexes);
      }
    }
    return { filesRegistered: files.length, alreadyKnown: fresh === 0 && shard.xorbs.length === 0 };
  }

  /** The file a commit's lfsFile (sha256) refers to, if a shard for this repo registered it. */
  linkedFile(repo: Repo, sha256: string): XetFile | undefined {
    return this.linked.get(repo)?.get(sha256);
  }

  /** Whether `repo`'s tokens may read `fileHash`: a shard uploaded with a token of this repo registered it. */
  repoHasFile(repo: Repo, fileHash: string): boolean {
    for (const file of this.linked.get(repo)?.values() ?? []) if (file.hash === fileHash) return true;
    return false;
  }

  /** A global-dedup answer for a chunk hash, or undefined when the chunk is unknown. */
  dedupShard(chunkHex: string): Uint8Array | undefined {
    const blocks = this.dedupIndex.get(chunkHex);
    if (!blocks) return undefined;
    const xorbs: DedupXorb[] = blocks.map((hex) => {
      const x = this.xorbs.get(hex)!;
      return { hash: x.hash, bytesOnDisk: x.body.length, chunks: x.chunks };
    });
    return buildDedupShard(this.hasher, this.dedupHmacKey, xorbs, Math.floor(Date.now() / 1000));
  }

  /** Terms covering bytes [start, end] (inclusive) of a file, trimmed to whole chunks, plus the skip into the first. */
  reconstruct(file: XetFile, start: number, end: number): { offsetIntoFirst: number; terms: ReconstructionTerm[] } {
    const terms: ReconstructionTerm[] = [];
    let offsetIntoFirst = 0;
    let pos = 0;
    for (const term of file.terms) {
      const chunks = this.xorbs.get(term.xorb)!.chunks;
      let first = -1;
      let last = -1;
      let firstOffset = 0;
      let cursor = pos;
      for (let i = term.chunkStart; i < term.chunkEnd; i++) {
        const chunkEnd = cursor + chunks[i].length; // exclusive
        if (chunkEnd > start && cursor <= end) {
          if (first === -1) {
            first = i;
            firstOffset = cursor;
          }
          last = i;
        }
        cursor = chunkEnd;
      }
      if (first !== -1) {
        if (terms.length === 0) offsetIntoFirst = start - firstOffset;
        const unpackedBytes = chunks.slice(first, last + 1).reduce((n, c) => n + c.length, 0);
        terms.push({ xorb: term.xorb, chunkStart: first, chunkEnd: last + 1, unpackedBytes, fileOffset: firstOffset });
      }
      pos = cursor;
    }
    return { offsetIntoFirst, terms };
  }

  /** The whole content of a registered file, from its xorbs. */
  readFile(fileHash: string): Buffer | undefined {
    const file = this.files.get(fileHash);
    return file ? this.assemble(file) : undefined;
  }

  private assemble(file: { terms: XetTerm[] }): Buffer {
    const parts: Uint8Array[] = [];
    for (const term of file.terms) {
      const xorb = this.xorbs.get(term.xorb)!;
      for (let i = term.chunkStart; i < term.chunkEnd; i++) parts.push(decodeChunk(xorb.body, xorb.chunks[i], i));
    }
    return Buffer.concat(parts);
  }

  /** Every CAS block must describe a stored xorb exactly (it feeds global dedup). */
  private checkCasSection(shard: ParsedShard): void {
    shard.xorbs.forEach((block, b) => {
      const hex = hashToHex(block.hash);
      const where = `shard CAS block ${b} (xorb ${hex})`;
      const xorb = this.xorbs.get(hex);
      if (!xorb) throw new XetVerificationError(`${where}: no such xorb was uploaded`);
      if (block.chunks.length !== xorb.chunks.length) {
        throw new XetVerificationError(`${where}: lists ${block.chunks.length} chunks, the xorb has ${xorb.chunks.length}`);
      }
      let unpacked = 0;
      block.chunks.forEach((c, i) => {
        const stored = xorb.chunks[i];
        if (!sameHash(c.hash, stored.hash) || c.length !== stored.length || c.unpackedStart !== unpacked) {
          throw new XetVerificationError(`${where}: chunk ${i} (hash, length or offset) differs from the uploaded xorb`);
        }
        unpacked += stored.length;
      });
      if (block.unpackedBytes !== xorb.unpackedBytes) {
        throw new XetVerificationError(`${where}: says ${block.unpackedBytes} uncompressed bytes, the xorb has ${xorb.unpackedBytes}`);
      }
      // hf_xet leaves this 0; @huggingface/hub fills it in.
      if (block.bytesOnDisk !== 0 && block.bytesOnDisk !== xorb.body.length) {
        throw new XetVerificationError(`${where}: says ${block.bytesOnDisk} serialized bytes, the upload had ${xorb.body.length}`);
      }
    });
  }

  /** A file entry: known xorbs, valid chunk ranges, sizes, verification hashes, file hash and sha256. */
  private checkFile(f: ShardFile, index: number): XetFile {
    const hex = hashToHex(f.hash);
    const where = `shard file ${index} (${hex})`;
    if (f.terms.some((t) => !t.rangeHash)) throw new XetVerificationError(`${where}: verification entries are required on upload`);
    if (!f.sha256) {
      throw new XetVerificationError(`${where}: no sha256 metadata extension (required for model, dataset and space repos)`);
    }
    const fileChunks: Array<{ hash: Hash; length: number }> = [];
    const terms: XetTerm[] = f.terms.map((t, i) => {
      const xorbHex = hashToHex(t.xorb);
      const term = `${where} term ${i}`;
      const xorb = this.xorbs.get(xorbHex);
      if (!xorb) throw new XetVerificationError(`${term}: references xorb ${xorbHex}, which was never uploaded`);
      if (!(t.chunkStart < t.chunkEnd && t.chunkEnd <= xorb.chunks.length)) {
        throw new XetVerificationError(`${term}: chunk range [${t.chunkStart}, ${t.chunkEnd}) is not within the xorb's ${xorb.chunks.length} chunks`);
      }
      const chunks = xorb.chunks.slice(t.chunkStart, t.chunkEnd);
      const unpacked = chunks.reduce((n, c) => n + c.length, 0);
      if (unpacked !== t.unpackedBytes) {
        throw new XetVerificationError(`${term}: says ${t.unpackedBytes} bytes, its chunks hold ${unpacked}`);
      }
      if (!sameHash(this.hasher.rangeHash(chunks.map((c) => c.hash)), t.rangeHash!)) {
        throw new XetVerificationError(`${term}: wrong verification hash for its chunk range`);
      }
      fileChunks.push(...chunks);
      return { xorb: xorbHex, chunkStart: t.chunkStart, chunkEnd: t.chunkEnd, unpackedBytes: unpacked };
    });
    const computed = this.hasher.fileHash(fileChunks);
    if (!sameHash(computed, f.hash)) {
      throw new XetVerificationError(`${where}: its chunks hash to file hash ${hashToHex(computed)}`);
    }
    const size = terms.reduce((n, t) => n + t.unpackedBytes, 0);
    const sha256 = hashToHex(f.sha256);
    const actual = createHash("sha256").update(this.assemble({ terms })).digest("hex");
    if (actual !== sha256) throw new XetVerificationError(`${where}: sha256 ${sha256} announced, the content hashes to ${actual}`);
    return { hash: hex, size, sha256, terms };
  }
}
