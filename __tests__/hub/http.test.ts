import { describe, expect, it } from "vitest";
import { createHubFetch } from "../../src/hub/http.js";
import { serverDelayMs } from "../../src/hub/retry.js";

/** A scripted fetch: each call takes the next answer (a status, or "drop" for a network error). */
function scripted(answers: (number | "drop" | { status: number; headers?: Record<string, string> })[]) {
  const calls: string[] = [];
  const fetch = async (input: Parameters<typeof globalThis.fetch>[0], init?: RequestInit): Promise<Response> => {
    calls.push(`${init?.method ?? "GET"} ${String(input)}`);
    const next = answers.shift() ?? 200;
    if (next === "drop") throw new TypeError("fetch failed", { cause: new Error("socket hang up") });
    const { status, headers } = typeof next === "number" ? { status: next, headers: {} } : next;
    return new Response(status === 204 ? null : JSON.stringify({ error: "x" }), { status, headers });
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

function harness(answers: Parameters<typeof scripted>[0], policy = {}) {
  const base = scripted(answers);
  const waits: number[] = [];
  const warnings: string[] = [];
  const hub = createHubFetch({
    baseFetch: base.fetch,
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
    policy: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 8000, ...policy },
    log: { info() {}, debug() {}, warning: (m) => warnings.push(m) },
  });
  return { hub, calls: base.calls, waits, warnings };
}

describe("the Hub fetch: retries, backoff, timeouts, counting", () => {
  it("waits as Retry-After says on 429, then succeeds", async () => {
    const h = harness([{ status: 429, headers: { "Retry-After": "3" } }, 200]);
    const res = await h.hub.fetch("http://hub/api/datasets/a/b");
    expect(res.status).toBe(200);
    expect(h.waits).toEqual([3000]);
    expect(h.hub.requests).toBe(2);
    expect(h.warnings[0]).toMatch(/HTTP 429; retrying in 3\.0 s \(attempt 2 of 5\)/);
  });

  it("reads the IETF RateLimit header's t= when there is no Retry-After", () => {
    const res = new Response(null, { status: 429, headers: { RateLimit: '"api";r=0;t=55' } });
    expect(serverDelayMs(res)).toBe(55_000);
    const dated = new Response(null, { status: 429, headers: { "Retry-After": new Date(10_000).toUTCString() } });
    expect(serverDelayMs(dated, 4_000)).toBe(6_000);
  });

  it("backs off exponentially (capped, with jitter) on 5xx and network errors", async () => {
    const h = harness([503, "drop", 502, 500, 200], { maxAttempts: 6 });
    const res = await h.hub.fetch("http://hub/api/datasets/a/b/preupload/main", { method: "POST", body: "{}" });
    expect(res.status).toBe(200);
    // base 1 s doubling, capped at 8 s, times 0.75 (jitter with random() = 0.5)
    expect(h.waits).toEqual([750, 1500, 3000, 6000]);
    expect(h.hub.requests).toBe(5);
  });

  it("gives up after maxAttempts and hands the last answer to the caller", async () => {
    const h = harness([503, 503, 503], { maxAttempts: 3 });
    const res = await h.hub.fetch("http://hub/api/x");
    expect(res.status).toBe(503);
    expect(h.calls).toHaveLength(3);
  });

  it("does not retry client errors", async () => {
    for (const status of [400, 401, 403, 404, 409, 412, 422]) {
      const h = harness([status, 200]);
      expect((await h.hub.fetch("http://hub/api/x")).status).toBe(status);
      expect(h.calls).toHaveLength(1);
    }
  });

  it("retries a commit only on 429: a failed commit may have landed, the publisher re-plans", async () => {
    const url = "http://hub/api/datasets/a/b/commit/main";
    const h = harness([503, 200]);
    expect((await h.hub.fetch(url, { method: "POST", body: "x" })).status).toBe(503);
    const dropped = harness(["drop", 200]);
    await expect(dropped.hub.fetch(url, { method: "POST", body: "x" })).rejects.toThrow(/POST .*commit\/main failed/);
    const limited = harness([{ status: 429, headers: { "Retry-After": "1" } }, 200]);
    expect((await limited.hub.fetch(url, { method: "POST", body: "x" })).status).toBe(200);
  });

  it("gives up at once when the server asks for a longer wait than allowed", async () => {
    const h = harness([{ status: 429, headers: { "Retry-After": "3600" } }, 200], { maxServerWaitMs: 60_000 });
    expect((await h.hub.fetch("http://hub/api/x")).status).toBe(429);
    expect(h.waits).toEqual([]);
  });

  it("times out a request that hangs, and retries it", async () => {
    let calls = 0;
    const hanging = ((_: unknown, init?: RequestInit) => {
      calls++;
      if (calls === 2) return Promise.resolve(new Response("ok"));
      return new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
    }) as typeof fetch;
    const hub = createHubFetch({ baseFetch: hanging, sleep: async () => {}, policy: { requestTimeoutMs: 50, maxAttempts: 3 } });
    const res = await hub.fetch("http://hub/api/x");
    expect(await res.text()).toBe("ok");
    expect(calls).toBe(2);
  });

  it("never retries what the caller cancelled, and never logs presigned query strings", async () => {
    const h = harness(["drop", 200]);
    const controller = new AbortController();
    controller.abort();
    await expect(h.hub.fetch("http://hub/api/x", { signal: controller.signal })).rejects.toThrow();
    expect(h.calls).toHaveLength(1);
    const p = harness([503, 200]);
    await p.hub.fetch("http://s3/bucket/obj?X-Amz-Signature=secret", { method: "PUT", body: "x" });
    expect(p.warnings.join("\n")).not.toContain("secret");
  });
});
