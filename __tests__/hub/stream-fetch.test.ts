// Upload bodies streamed through node:http: the answer is a plain Response,
// failures reject as fetch's do, and other requests go to the fetch given.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamingFetch } from "../../src/hub/stream-fetch.js";

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    let n = 0;
    req.on("data", (d: Buffer) => (n += d.length));
    req.on("end", () => {
      if (req.url === "/slow") return; // never answers
      res.setHeader("ETag", '"abc"');
      res.setHeader("Set-Cookie", ["a=1", "b=2"]);
      res.statusCode = req.url === "/missing" ? 404 : 200;
      res.end(JSON.stringify({ method: req.method, bytes: n, length: req.headers["content-length"], type: req.headers["content-type"] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("streamingFetch", () => {
  it("sends a Blob body with its length and headers, and answers a Response with the server's status, headers and body", async () => {
    const body = new Blob([new Uint8Array(3 * 1024 * 1024), new Blob(["tail"])]);
    const response = await streamingFetch()(`${url}/put`, { method: "PUT", body, headers: { "Content-Type": "application/octet-stream" } });
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${url}/put`);
    expect(response.headers.get("etag")).toBe('"abc"');
    expect(response.headers.get("set-cookie")).toBe("a=1, b=2");
    expect(await response.json()).toEqual({ method: "PUT", bytes: body.size, length: String(body.size), type: "application/octet-stream" });
    const missing = await streamingFetch()(`${url}/missing`, { method: "POST", body: new Blob(["x"]) });
    expect(missing.ok).toBe(false);
    expect(missing.status).toBe(404);
  });

  it("rejects when the server cannot be reached, and when the signal aborts", async () => {
    await expect(streamingFetch()("http://127.0.0.1:1/", { method: "POST", body: new Blob(["x"]) })).rejects.toThrow();
    const error = await streamingFetch()(`${url}/slow`, { method: "POST", body: new Blob(["x"]), signal: AbortSignal.timeout(100) }).catch((e: Error) => e);
    expect((error as Error).name).toMatch(/AbortError|TimeoutError/);
  });

  it("leaves every other request to the fetch it wraps", async () => {
    const seen: string[] = [];
    const base = (async (input: Parameters<typeof fetch>[0]) => {
      seen.push(String(input));
      return new Response("from base");
    }) as typeof fetch;
    expect(await (await streamingFetch(base)(`${url}/get`)).text()).toBe("from base");
    expect(await (await streamingFetch(base)(`${url}/json`, { method: "POST", body: "{}" })).text()).toBe("from base");
    expect(seen).toEqual([`${url}/get`, `${url}/json`]);
  });
});
