// Everything one emulator instance needs to speak Xet: the hasher (its
// WebAssembly BLAKE3 is set up asynchronously, once), the CAS store, the
// token registry and the signer of xorb download URLs.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { XetCas } from "./cas.js";
import { XetHasher } from "./hash.js";
import { XetTokens } from "./tokens.js";

/** Where the CAS API and the xorb "CDN" live on the emulator's own port. */
export const CAS_PREFIX = "/__xet/cas";
export const TRANSFER_PREFIX = "/__xet/transfer";

const URL_LIFETIME_SECONDS = 3600;

export class XetService {
  readonly tokens = new XetTokens();
  private readonly urlSecret = randomBytes(32);

  private constructor(readonly cas: XetCas) {}

  static async create(): Promise<XetService> {
    // Each instance has its own key for the HMAC that hides chunk hashes in dedup answers, like the real CAS.
    const dedupKey = randomBytes(32);
    return new XetService(new XetCas(await XetHasher.create(dedupKey), dedupKey));
  }

  casUrl(base: string): string {
    return base + CAS_PREFIX;
  }

  /** A "presigned" URL for byte ranges of a xorb: it authorizes exactly these inclusive ranges, for an hour. */
  signedXorbUrl(base: string, xorbHex: string, ranges: Array<[number, number]>): string {
    const signedRange = `bytes=${ranges.map(([s, e]) => `${s}-${e}`).join(",")}`;
    const expires = Math.floor(Date.now() / 1000) + URL_LIFETIME_SECONDS;
    const query = new URLSearchParams({
      "X-Xet-Signed-Range": signedRange,
      Expires: String(expires),
      Signature: this.sign(xorbHex, signedRange, expires),
    });
    return `${base}${TRANSFER_PREFIX}/${xorbHex}?${query.toString()}`;
  }

  /** The inclusive ranges a transfer URL authorizes, or undefined if its signature is wrong or expired. */
  checkSignedUrl(xorbHex: string, query: URLSearchParams): Array<[number, number]> | undefined {
    const signedRange = query.get("X-Xet-Signed-Range") ?? "";
    const expires = Number(query.get("Expires"));
    const given = Buffer.from(query.get("Signature") ?? "", "hex");
    const expected = Buffer.from(this.sign(xorbHex, signedRange, expires), "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    if (!(expires > Date.now() / 1000)) return undefined;
    return parseByteRanges(signedRange);
  }

  private sign(xorbHex: string, signedRange: string, expires: number): string {
    return createHmac("sha256", this.urlSecret).update(`${xorbHex}\n${signedRange}\n${expires}`).digest("hex");
  }
}

/** "bytes=a-b,c-d" → [[a, b], [c, d]] (inclusive); undefined unless every part is a closed range. */
export function parseByteRanges(header: string): Array<[number, number]> | undefined {
  const m = /^bytes=(.+)$/.exec(header.trim());
  if (!m) return undefined;
  const ranges: Array<[number, number]> = [];
  for (const part of m[1].split(",")) {
    const r = /^\s*(\d+)-(\d+)\s*$/.exec(part);
    if (!r || Number(r[2]) < Number(r[1])) return undefined;
    ranges.push([Number(r[1]), Number(r[2])]);
  }
  return ranges;
}
