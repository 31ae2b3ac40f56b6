/**
 * The `fetch` every Hub call goes through: a timeout on every request, and
 * retries by the policy of ./retry.ts (429 as the server asks, 5xx and
 * network errors with backoff, commits only on 429). A request that got no
 * answer fails as a NetworkError. It also counts requests, to report how far
 * a run stays below the Hub's 1000 requests / 5 minutes.
 */
import type { Logger } from "../log.js";
import { NetworkError } from "./errors.js";
import { streamingFetch } from "./stream-fetch.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, backoffMs, isCommitRequest, mayRetryRequest, serverDelayMs } from "./retry.js";

export interface HubFetch {
  fetch: typeof fetch;
  /** Requests sent so far (each retry counts). */
  readonly requests: number;
}

export interface HubFetchOptions {
  policy?: Partial<RetryPolicy>;
  log?: Logger;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** The fetch to wrap (tests may pass one; defaults to the global one, with upload bodies streamed: ./stream-fetch.ts). */
  baseFetch?: typeof fetch;
}

export function createHubFetch(options: HubFetchOptions = {}): HubFetch {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const base = options.baseFetch ?? streamingFetch();
  let requests = 0;

  const wrapped = async (input: Parameters<typeof fetch>[0], init: RequestInit = {}): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? "GET").toUpperCase();
    const commit = isCommitRequest(method, url);
    const replayable = isReplayable(init.body);
    const bodyBytes = init.body instanceof Blob ? init.body.size : 0;
    const timeoutMs = Math.max(policy.requestTimeoutMs, Math.ceil((bodyBytes / policy.minUploadBytesPerSecond) * 1000));
    for (let attempt = 1; ; attempt++) {
      requests++;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      let outcome: Response | NetworkError;
      try {
        outcome = await base(input, { ...init, signal });
      } catch (e) {
        if (init.signal?.aborted) throw e; // the caller cancelled: not ours to retry
        outcome = networkError(e, method, url, timeout.aborted, timeoutMs);
      }
      if (!replayable || attempt >= policy.maxAttempts || !mayRetryRequest(outcome, commit)) {
        if (outcome instanceof NetworkError) throw outcome;
        return outcome;
      }
      const serverWait = outcome instanceof Response ? serverDelayMs(outcome) : undefined;
      if (serverWait !== undefined && serverWait > policy.maxServerWaitMs) return outcome as Response;
      const wait = serverWait ?? backoffMs(policy, attempt, policy.maxDelayMs, random);
      if (outcome instanceof Response) await outcome.body?.cancel().catch(() => undefined);
      options.log?.warning(
        `${method} ${redactUrl(url)}: ${outcome instanceof Response ? `HTTP ${outcome.status}` : `network error (${errorText(outcome.cause)})`}; ` +
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

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message}: ${cause.message}` : e.message;
  }
  return String(e);
}

function networkError(e: unknown, method: string, url: string, timedOut: boolean, timeoutMs: number): NetworkError {
  const what = timedOut ? `timed out after ${Math.round(timeoutMs / 1000)} s` : `failed (${errorText(e)})`;
  return new NetworkError(`${method} ${redactUrl(url)} ${what}`, { cause: e });
}

/** Presigned upload URLs carry credentials in their query: never log it. */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : `${url.slice(0, q)}?…`;
}
