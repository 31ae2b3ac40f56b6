/**
 * The retry policy's rules, as plain functions: which requests may be sent
 * again, what a failed commit means, and how long to wait.
 */
import { HubApiError } from "@huggingface/hub";
import { describe, expect, it } from "vitest";
import { NetworkError } from "../../src/hub/errors.js";
import { DEFAULT_RETRY_POLICY, backoffMs, commitFailure, isCommitRequest, mayRetryRequest } from "../../src/hub/retry.js";

const apiError = (status: number) => new HubApiError("http://hub/api/x", status, undefined, "x");

describe("the retry policy", () => {
  it("knows a commit by its method and URL, as the JS client sends it", () => {
    expect(isCommitRequest("POST", "https://huggingface.co/api/datasets/o/n/commit/main")).toBe(true);
    expect(isCommitRequest("POST", "https://huggingface.co/api/models/o/n/commit/refs%2Fpr%2F1?create_pr=1")).toBe(true);
    expect(isCommitRequest("GET", "https://huggingface.co/api/datasets/o/n/commit/main")).toBe(false);
    expect(isCommitRequest("POST", "https://huggingface.co/api/datasets/o/n/preupload/main")).toBe(false);
    expect(isCommitRequest("POST", "https://huggingface.co/api/datasets/o/n/tag/abc")).toBe(false);
  });

  it("sends a request again after 408, 429, 5xx or no answer; a commit only after 429", () => {
    const answer = (status: number) => new Response(null, { status });
    for (const status of [408, 429, 500, 502, 503, 504]) expect(mayRetryRequest(answer(status), false), String(status)).toBe(true);
    for (const status of [200, 400, 401, 403, 404, 409, 412, 413, 422, 501]) expect(mayRetryRequest(answer(status), false), String(status)).toBe(false);
    expect(mayRetryRequest(new NetworkError("POST x failed"), false)).toBe(true);
    expect(mayRetryRequest(answer(429), true)).toBe(true);
    for (const status of [408, 500, 503]) expect(mayRetryRequest(answer(status), true), String(status)).toBe(false);
    expect(mayRetryRequest(new NetworkError("POST x failed"), true)).toBe(false);
  });

  it("reads a failed commit: moved (412, 409), uncertain (5xx, no answer), or final", () => {
    expect(commitFailure(apiError(412))).toBe("moved");
    expect(commitFailure(apiError(409))).toBe("moved");
    expect(commitFailure(apiError(500))).toBe("uncertain");
    expect(commitFailure(apiError(503))).toBe("uncertain");
    expect(commitFailure(new NetworkError("POST x timed out after 300 s"))).toBe("uncertain");
    for (const e of [apiError(400), apiError(403), apiError(422), new TypeError("fetch failed"), new Error("the Hub did not return a commit")])
      expect(commitFailure(e), String(e)).toBe("final");
  });

  it("backs off exponentially from the base, capped, with jitter between half and all of it", () => {
    const policy = { baseDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(policy, a, 15_000, () => 0.999999))).toEqual([1000, 2000, 4000, 8000, 15_000, 15_000]);
    expect([1, 2, 3].map((a) => backoffMs(policy, a, 15_000, () => 0))).toEqual([500, 1000, 2000]);
    expect(DEFAULT_RETRY_POLICY).toMatchObject({ maxAttempts: 6, maxCommitAttempts: 8, maxDelayMs: 30_000, maxCommitDelayMs: 15_000 });
  });
});
