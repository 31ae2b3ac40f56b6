/**
 * The CAS API calls an upload makes (docs/xet.md#cas-api-the-emulators-casurl-is-hub__xetcas):
 * xorbs, shards and global dedup queries, with the Xet access token. The
 * token comes with the LFS batch answer (or from the write-token endpoint),
 * is treated as a secret (handed to `hub.secret`, never logged), and is
 * refreshed a minute before it expires or when the CAS answers 401.
 *
 * Every request goes through `hub.fetch`, the retrying fetch of ../http.ts:
 * timeouts, and 429 / 5xx / network errors retried as for any Hub request
 * (xorb and shard uploads are idempotent: re-sending one is safe).
 */
import type { HubApiError } from "@huggingface/hub";
import { type HubContext, authHeaders, hubError } from "../api.js";

/** What a CAS session needs: where the CAS is, the token, when it expires, and where to get a new one. */
export interface XetWriteToken {
  casUrl: string;
  accessToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** The Hub's xet-write-token URL (called with the Hub token). */
  refreshUrl: string;
  sessionId?: string;
}

const REFRESH_MARGIN_MS = 60_000;

/** The Xet token in an LFS batch answer's upload action (`header` and `href`). */
export function tokenFromBatchAction(action: { href: string; header?: Record<string, string> }): XetWriteToken | undefined {
  const header = new Headers(action.header ?? {});
  const casUrl = header.get("X-Xet-Cas-Url");
  const accessToken = header.get("X-Xet-Access-Token");
  if (!casUrl || !accessToken) return undefined;
  const exp = Number(header.get("X-Xet-Token-Expiration"));
  return {
    casUrl: casUrl.replace(/\/+$/, ""),
    accessToken,
    expiresAt: expiryOf(exp),
    refreshUrl: action.href,
    sessionId: header.get("X-Xet-Session-Id") ?? undefined,
  };
}

/** Unix seconds → milliseconds; a token without a (valid) expiry is used until the CAS answers 401. */
function expiryOf(seconds: unknown): number {
  const n = Number(seconds);
  return Number.isFinite(n) && n > 0 ? n * 1000 : Number.POSITIVE_INFINITY;
}

export class CasClient {
  private refreshing: Promise<XetWriteToken> | undefined;

  constructor(
    private readonly hub: HubContext,
    private current: XetWriteToken,
    private readonly now: () => number = Date.now,
  ) {
    if (current.accessToken) hub.secret?.(current.accessToken);
  }

  /** Uploads a xorb; false when the CAS already had it. */
  async uploadXorb(hex: string, body: Blob): Promise<boolean> {
    const response = await this.send(`xorb ${hex}`, `/v1/xorbs/default/${hex}`, { method: "POST", body });
    const answer = (await response.json().catch(() => ({}))) as { was_inserted?: boolean };
    return answer.was_inserted !== false;
  }

  async uploadShard(body: Uint8Array): Promise<void> {
    const response = await this.send("shard", "/v1/shards", { method: "POST", body: new Blob([body]) });
    await response.body?.cancel();
  }

  /** A global dedup answer (a shard) for a chunk, or undefined when the CAS does not know it. */
  async queryChunk(hex: string): Promise<Uint8Array | undefined> {
    const response = await this.send(`dedup query for chunk ${hex}`, `/v1/chunks/default/${hex}`, { method: "GET" }, [404]);
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    return new Uint8Array(await response.arrayBuffer());
  }

  private async send(what: string, path: string, init: RequestInit, accepted: number[] = []): Promise<Response> {
    for (let refreshed = false; ; refreshed = true) {
      const token = await this.token(refreshed);
      const headers: Record<string, string> = { Authorization: `Bearer ${token.accessToken}` };
      if (token.sessionId) headers["X-Xet-Session-Id"] = token.sessionId;
      if (init.body) headers["Content-Type"] = "application/octet-stream";
      const response = await this.hub.fetch(`${token.casUrl}${path}`, { ...init, headers });
      if (response.ok || accepted.includes(response.status)) return response;
      if (response.status === 401 && !refreshed) {
        await response.body?.cancel();
        continue; // the token expired early or was revoked: get a new one, once
      }
      const error: HubApiError = await hubError(response, "no reason given");
      error.message = `The Xet storage refused the ${what}: ${error.message}`;
      throw error;
    }
  }

  /** The token, refreshed when it expires within a minute (or `force`d). One refresh at a time. */
  private async token(force: boolean): Promise<XetWriteToken> {
    if (!force && this.current.expiresAt - this.now() > REFRESH_MARGIN_MS) return this.current;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refresh(): Promise<XetWriteToken> {
    const response = await this.hub.fetch(this.current.refreshUrl, {
      headers: {
        ...authHeaders(this.hub),
        ...(this.current.sessionId ? { "X-Xet-Session-Id": this.current.sessionId } : {}),
      },
    });
    if (!response.ok) throw await hubError(response, "Could not get a Xet write token");
    const json = (await response.json()) as { accessToken?: string; exp?: number; casUrl?: string };
    if (!json.accessToken || !json.casUrl) throw new Error("the Hub's Xet write token answer has no accessToken or casUrl");
    this.hub.secret?.(json.accessToken);
    this.current = { ...this.current, accessToken: json.accessToken, casUrl: json.casUrl.replace(/\/+$/, ""), expiresAt: expiryOf(json.exp) };
    return this.current;
  }
}
