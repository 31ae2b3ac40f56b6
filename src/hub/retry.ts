/**
 * When a Hub request is tried again, and how long to wait first: one policy
 * for every request (./http.ts applies it to each call, whoever makes it:
 * our code or `@huggingface/hub`, which never retries and sets no timeouts,
 * docs/hub-api.md#retries-and-rate-limits) and the rule for commits
 * (./publish.ts applies it to each commit attempt).
 *
 * - Every request has a timeout: `requestTimeoutMs` (5 min), longer for
 *   uploads so that a body still gets at least 256 kB/s.
 * - 429: wait as `Retry-After` (seconds or a date) or `RateLimit` (`t=`)
 *   says, else back off; a server asking for more than `maxServerWaitMs` is
 *   taken at its word (the answer goes back to the caller).
 * - 408, 500, 502, 503, 504 and network errors (NetworkError): capped
 *   exponential backoff with full jitter, at most `maxAttempts` tries.
 * - A commit is never sent again blindly: a commit that failed midway may
 *   have landed. The fetch layer retries it only on 429 (refused before it
 *   was looked at); the publisher then decides by `commitFailure`: another
 *   commit landed first (412, 409) → read the branch again, re-plan, commit
 *   again; a server or network failure → read the branch again (a plan with
 *   nothing left to do means the commit landed). At most
 *   `maxCommitAttempts` commits, with the same backoff capped at
 *   `maxCommitDelayMs`.
 */
import { HubApiError } from "@huggingface/hub";
import { NetworkError } from "./errors.js";

export interface RetryPolicy {
  /** Tries of one request, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest wait a server may ask for (Retry-After / RateLimit) before we give up instead. */
  maxServerWaitMs: number;
  requestTimeoutMs: number;
  /** Slowest upload rate tolerated before a body upload is timed out (bytes per second). */
  minUploadBytesPerSecond: number;
  /** Commit attempts of one publish, the first included. */
  maxCommitAttempts: number;
  /** Longest wait between two commit attempts. */
  maxCommitDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxServerWaitMs: 5 * 60_000,
  requestTimeoutMs: 5 * 60_000,
  minUploadBytesPerSecond: 256_000,
  maxCommitAttempts: 8,
  maxCommitDelayMs: 15_000,
};

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Whether a request is a commit. `@huggingface/hub` sends it through our
 * fetch like any other request, so its method and URL (`POST
 * /api/{type}s/{repo}/commit/{revision}`) are all that marks it.
 */
export function isCommitRequest(method: string, url: string): boolean {
  return method === "POST" && /\/api\/[a-z]+s\/.+\/commit\//.test(url);
}

/** Whether a request that got `outcome` (an answer, or a network failure) may be sent again. */
export function mayRetryRequest(outcome: Response | NetworkError, commit: boolean): boolean {
  if (outcome instanceof NetworkError) return !commit;
  return RETRYABLE_STATUS.has(outcome.status) && (!commit || outcome.status === 429);
}

/** The wait before try `attempt + 1`: exponential from `baseDelayMs`, capped, with jitter (`random` in [0, 1)). */
export function backoffMs(policy: Pick<RetryPolicy, "baseDelayMs">, attempt: number, capMs: number, random: () => number): number {
  return Math.round(Math.min(capMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.5 + random() / 2));
}

/** Delay the server asked for: `Retry-After` (seconds or HTTP date), else IETF `RateLimit: ...;t=N`. */
export function serverDelayMs(response: Response, now = Date.now()): number | undefined {
  const retryAfter = response.headers.get("retry-after");
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const rateLimit = response.headers.get("ratelimit");
  const t = rateLimit ? /(?:^|[;,\s])t=(\d+(?:\.\d+)?)/.exec(rateLimit) : null;
  if (t) return Number(t[1]) * 1000;
  return undefined;
}

/**
 * What a failed commit attempt means: `moved` (another commit landed first:
 * re-plan and commit again), `uncertain` (a server or network failure: it may
 * have landed; read the branch to know), or `final`.
 */
export type CommitFailure = "moved" | "uncertain" | "final";

export function commitFailure(e: unknown): CommitFailure {
  if (e instanceof HubApiError) return e.statusCode === 412 || e.statusCode === 409 ? "moved" : e.statusCode >= 500 ? "uncertain" : "final";
  return e instanceof NetworkError ? "uncertain" : "final";
}
