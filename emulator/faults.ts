// Fault injection and request accounting, for testing the Action's own retry
// logic (the @huggingface/hub client never retries by itself).

export const ROUTE_NAMES = [
  "whoami",
  "repo-info",
  "create-repo",
  "delete-repo",
  "tree",
  "paths-info",
  "resolve",
  "raw",
  "preupload",
  "commit",
  "commits", // GET /api/{type}s/{id}/commits/{rev} (listCommits)
  "lfs-batch",
  "lfs-upload",
  "lfs-part",
  "lfs-complete",
  "branch",
  "tag",
  "refs",
  "validate-yaml",
  "xet-read-token", // GET /api/{type}s/{id}/xet-read-token/{rev}
  "xet-write-token",
  "cas-xorb", // POST /__xet/cas/v1/xorbs/default/{hash}
  "cas-shard", // POST /__xet/cas/v1/shards, /v2/shards
  "cas-chunk", // GET /__xet/cas/v1/chunks/{prefix}/{hash} (global dedup)
  "cas-reconstruction", // GET /__xet/cas/v1|v2/reconstructions/{file_hash}
  "xet-transfer", // GET /__xet/transfer/{xorb} (signed xorb byte ranges)
  "emulator-stats", // GET /__emulator/stats
] as const;

export type RouteName = (typeof ROUTE_NAMES)[number];

export interface FaultSpec {
  route: RouteName;
  /** only requests with this HTTP method (any if omitted) */
  method?: string;
  /** default 500, or 429 when retryAfter/rateLimit is set */
  status?: number;
  /** number of matching requests this fault applies to (default 1) */
  times?: number;
  /** seconds, sent as Retry-After */
  retryAfter?: number;
  /** sent verbatim as the RateLimit header, e.g. '"api";r=0;t=2' */
  rateLimit?: string;
  /** JSON body (default {"error":"Injected fault"}, or {"error":"Too many requests"} for 429) */
  body?: object;
  /** destroy the socket without any response */
  drop?: boolean;
  /**
   * Wait before answering. On its own (no status/body/drop/retryAfter/rateLimit)
   * it is a pure latency fault: the request is then handled normally.
   */
  delayMs?: number;
}

export interface FaultHandle {
  /** matching requests this fault will still affect */
  remaining(): number;
}

interface ActiveFault {
  spec: FaultSpec;
  left: number;
}

export interface RequestLogEntry {
  method: string;
  /** path without the query string */
  path: string;
  route: RouteName | null;
  /** 0 when the connection was dropped (by a fault, or the client aborted mid-upload) */
  status: number;
  /** whether an Authorization header was sent (its value is never recorded) */
  auth: boolean;
  /** set when an injected fault answered (or dropped) the request */
  fault: boolean;
  requestId: string;
  ms: number;
}

export type FaultAction =
  | { kind: "latency"; delayMs: number }
  | { kind: "drop"; delayMs: number }
  | { kind: "respond"; delayMs: number; status: number; headers: Record<string, string>; body: object };

export class FaultInjector {
  private faults: ActiveFault[] = [];
  private counts = emptyCounts();
  private log: RequestLogEntry[] = [];

  inject(spec: FaultSpec): FaultHandle {
    if (!ROUTE_NAMES.includes(spec.route)) throw new Error(`Unknown route name for fault: ${spec.route}`);
    const fault: ActiveFault = { spec, left: spec.times ?? 1 };
    this.faults.push(fault);
    return { remaining: () => fault.left };
  }

  clear(): void {
    this.faults = [];
  }

  /** Count the request and consume the first matching fault, if any. */
  take(route: RouteName, method: string): FaultAction | undefined {
    this.counts[route]++;
    const index = this.faults.findIndex(
      (f) => f.spec.route === route && (!f.spec.method || f.spec.method.toUpperCase() === method),
    );
    if (index === -1) return undefined;
    const fault = this.faults[index];
    if (--fault.left <= 0) this.faults.splice(index, 1);
    const s = fault.spec;
    const delayMs = s.delayMs ?? 0;
    if (s.drop) return { kind: "drop", delayMs };
    const latencyOnly =
      s.delayMs !== undefined && s.status === undefined && s.body === undefined && s.retryAfter === undefined && s.rateLimit === undefined;
    if (latencyOnly) return { kind: "latency", delayMs };
    const status = s.status ?? (s.retryAfter !== undefined || s.rateLimit !== undefined ? 429 : 500);
    const headers: Record<string, string> = {};
    if (s.retryAfter !== undefined) headers["Retry-After"] = String(s.retryAfter);
    if (s.rateLimit !== undefined) headers["RateLimit"] = s.rateLimit;
    const body = s.body ?? { error: status === 429 ? "Too many requests" : "Injected fault" };
    return { kind: "respond", delayMs, status, headers, body };
  }

  /** Requests that matched no route are logged but not counted. */
  record(entry: RequestLogEntry): void {
    this.log.push(entry);
  }

  requestCounts(): Record<RouteName, number> {
    return { ...this.counts };
  }

  requestLog(): RequestLogEntry[] {
    return this.log.map((e) => ({ ...e }));
  }

  resetCounts(): void {
    this.counts = emptyCounts();
    this.log = [];
  }
}

function emptyCounts(): Record<RouteName, number> {
  return Object.fromEntries(ROUTE_NAMES.map((r) => [r, 0])) as Record<RouteName, number>;
}
