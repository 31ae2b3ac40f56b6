// Xet access tokens: what the Hub's xet-read-token / xet-write-token endpoints
// hand out and the CAS endpoints accept. Each is scoped to one repo (which is
// also how CAS uploads are attributed to a repo in the emulator's stats).
import { randomBytes } from "node:crypto";
import { HubError } from "../errors.js";
import type { Repo } from "../store.js";

export type XetScope = "read" | "write";

export interface XetToken {
  repo: Repo;
  /** "datasets/ns/name", as in the stats */
  repoKey: string;
  scope: XetScope;
  /** unix seconds */
  exp: number;
}

const LIFETIME_SECONDS = 3600;

export class XetTokens {
  private readonly tokens = new Map<string, XetToken>();

  issue(repo: Repo, repoKey: string, scope: XetScope): { accessToken: string; exp: number } {
    const accessToken = `xet_${randomBytes(24).toString("base64url")}`;
    const exp = Math.floor(Date.now() / 1000) + LIFETIME_SECONDS;
    this.tokens.set(accessToken, { repo, repoKey, scope, exp });
    return { accessToken, exp };
  }

  /** The token in an Authorization header, if it is a live one. */
  peek(authorization: string | undefined): XetToken | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    const token = m ? this.tokens.get(m[1]) : undefined;
    return token && token.exp > Date.now() / 1000 ? token : undefined;
  }

  /** 401 without a live token, 403 when a read token is used to write. */
  require(authorization: string | undefined, scope: XetScope): XetToken {
    const token = this.peek(authorization);
    if (!token) throw new HubError(401, "Missing, unknown or expired Xet access token: get one from the xet-read-token / xet-write-token endpoint");
    if (scope === "write" && token.scope !== "write") throw new HubError(403, "This Xet token has read scope: uploads need a token from xet-write-token");
    return token;
  }
}
