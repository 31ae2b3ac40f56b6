/**
 * The `fetch` every Hub call goes through. `@huggingface/hub` never retries
 * and sets no timeouts (docs/hub-api.md#retries-and-rate-limits), so this layer does:
 *
 * - a timeout on every request: `requestTimeoutMs` (default 5 min), longer
 *   for uploads so that a body still gets at least 256 kB/s (a 2 GB basic
 *   LFS PUT may take two hours before it is called stuck);
 * - 429: waits as `Retry-After` (seconds or a date) or `RateLimit` (`t=`)
 *   says, else backs off, then retries;
 * - 408, 500, 502, 503, 504 and network errors: capped exponential backoff
 *   with full jitter (base 1 s, cap 30 s), at most `maxAttempts` tries;
 * - commit requests are only retried on 429: a commit that failed midway
 *   may have landed, so the publisher re-reads the branch and re-plans;
 * - it counts requests, to report how far a run stays below the Hub's
 *   1000 requests / 5 minutes.
 */
import type { Logger } from "../log.js";

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest wait a server may ask for (Retry-After / RateLimit) before we give up instead. */
  maxServerWaitMs: number;
  requestTimeoutMs: number;
  /** Slowest upload rate tolerated before a body upload is timed out (bytes per second). */
  minUploadBytesPerSecond: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxServerWaitMs: 5 * 60_000,
  requestTimeoutMs: 5 * 60_000,
  minUploadBytesPerSecond: 256_000,
};

export interface HubFetch {
  fetch: typeof fetch;
  /** Requests sent so far (each retry counts). */
  readonly requests: number;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export interface HubFetchOptions {
  policy?: Partial<RetryPolicy>;
  log?: Logger;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** The fetch to wrap (tests may pass one; defaults to the global). */
  baseFetch?: typeof fetch;
}

export function createHubFetch(options: HubFetchOptions = {}): HubFetch {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const base = options.baseFetch ?? globalThis.fetch;
  let requests = 0;

  const wrapped = async (input: Parameters<typeof fetch>[0], init: RequestInit = {}): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? "GET").toUpperCase();
    const isCommit = method === "POST" && /\/api\/[a-z]+s\/.+\/commit\//.test(url);
    const replayable = isReplayable(init.body);
    const bodyBytes = init.body instanceof Blob ? init.body.size : 0;
    const timeoutMs = Math.max(policy.requestTimeoutMs, Math.ceil((bodyBytes / policy.minUploadBytesPerSecond) * 1000));
    for (let attempt = 1; ; attempt++) {
      requests++;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await base(input, { ...init, signal });
      } catch (e) {
        if (init.signal?.aborted) throw e; // the caller cancelled: not ours to retry
        failure = e;
      }
      const status = response?.status;
      const retryable =
        response === undefined ? !isCommit : status !== undefined && RETRYABLE_STATUS.has(status) && (!isCommit || status === 429);
      if (!retryable || !replayable || attempt >= policy.maxAttempts) {
        if (response) return response;
        throw describeNetworkError(failure, method, url, timeout.aborted, timeoutMs);
      }
      const serverWait = response ? serverDelayMs(response) : undefined;
      if (serverWait !== undefined && serverWait > policy.maxServerWaitMs) return response!;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const wait = serverWait ?? Math.round(backoff * (0.5 + random() / 2));
      await response?.body?.cancel().catch(() => undefined);
      options.log?.warning(
        `${method} ${redactUrl(url)}: ${response ? `HTTP ${status}` : `network error (${errorText(failure)})`}; ` +
          `retrying in ${(wait / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${policy.maxAttempts})`,
      );
      await sleep(wait);
    }
  };

  return {
    fetch: wrapped as typeof fetch,
    get requests() {
      return requests;
    },
  };
}

/** Bodies fetch can send again: anything but a one-shot stream. */
function isReplayable(body: RequestInit["body"]): boolean {
  return !(body instanceof ReadableStream);
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

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message}: ${cause.message}` : e.message;
  }
  return String(e);
}

function describeNetworkError(e: unknown, method: string, url: string, timedOut: boolean, timeoutMs: number): Error {
  const what = timedOut ? `timed out after ${Math.round(timeoutMs / 1000)} s` : `failed (${errorText(e)})`;
  const error = new Error(`${method} ${redactUrl(url)} ${what}`);
  (error as Error & { network: boolean }).network = true;
  return error;
}

/** Presigned upload URLs carry credentials in their query: never log it. */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : `${url.slice(0, q)}?…`;
}
