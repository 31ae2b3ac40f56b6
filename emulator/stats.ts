// Request-body bytes received per repository (LFS and Xet uploads, commits,
// everything a client sends about a repo), for benchmarks and tests that
// compare what each transfer protocol puts on the wire.
import { type Ctx, type Reply, type RouteMatch, json } from "./http.js";
import type { RepoType } from "./store.js";

export interface EmulatorStats {
  repos: Record<string, { bytesReceived: number }>;
}

/** "datasets/ns/name", "models/ns/name", "spaces/ns/name" */
export function repoKey(type: RepoType, id: string): string {
  return `${type}s/${id}`;
}

export class RepoStats {
  private readonly received = new Map<string, number>();

  /**
   * Count a request body against the repo it concerns: the repo in the route,
   * the one named by an LFS upload URL, or the one a Xet token was issued for.
   */
  record(ctx: Ctx, match: RouteMatch, query: URLSearchParams, authorization: string | undefined, bytes: number): void {
    if (bytes === 0) return;
    let key: string | undefined;
    if (match.type && match.id) key = ctx.store.getRepo(match.type, match.id) ? repoKey(match.type, match.id) : undefined;
    else if (match.name.startsWith("lfs-")) key = query.get("repo") ?? undefined;
    else key = ctx.xet.tokens.peek(authorization)?.repoKey;
    if (key) this.received.set(key, (this.received.get(key) ?? 0) + bytes);
  }

  snapshot(): EmulatorStats {
    return { repos: Object.fromEntries([...this.received].map(([k, n]) => [k, { bytesReceived: n }])) };
  }
}

/** GET /__emulator/stats (no auth: it only serves the emulator's own bookkeeping) */
export function emulatorStats(ctx: Ctx): Reply {
  return json(ctx.stats.snapshot());
}
