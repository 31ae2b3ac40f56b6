// The small request/reply model shared by the dispatcher and the route
// handlers. Handlers get a fully read body and return a Reply synchronously,
// which keeps every state change atomic with respect to other requests.
import type { IncomingHttpHeaders } from "node:http";
import type { AuthRegistry, Identity } from "./auth.js";
import { HubError, badRequest } from "./errors.js";
import type { RouteName } from "./faults.js";
import type { RepoStats } from "./stats.js";
import type { HubStore, RepoType } from "./store.js";
import type { XetService } from "./xet/service.js";

export interface EmulatorConfig {
  lfsMultipartThreshold: number;
  lfsChunkSize: number;
  treePageSize: number;
  regularFileMaxBytes: number;
  /** serve the Xet protocol (token endpoints, CAS, `transfer: "xet"` in LFS batches) */
  xet: boolean;
}

/** Per-server state handed to every handler. */
export interface Ctx {
  store: HubStore;
  auth: AuthRegistry;
  config: EmulatorConfig;
  xet: XetService;
  stats: RepoStats;
}

export interface Req {
  method: string;
  /** path as received, without the query string */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  identity: Identity;
  /** http://host:port as the client addressed us, for absolute URLs in responses */
  base: string;
  requestId: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string | object;
}

export interface RouteMatch {
  name: RouteName;
  handler: (ctx: Ctx, req: Req, m: RouteMatch) => Reply;
  type?: RepoType;
  /** "ns/name" */
  id?: string;
  /** decoded path segments after the route's fixed part */
  rest: string[];
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Reply {
  return { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers }, body: JSON.stringify(body) };
}

/** Split on "/" first, then percent-decode each segment; empty segments (from "//") are dropped. */
export function splitPath(rawPath: string): string[] {
  return rawPath
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw badRequest(`Malformed percent-encoding in URL segment "${s}"`);
      }
    });
}

export function parseJsonBody(req: Req): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString("utf8"));
  } catch (e) {
    throw badRequest(`Invalid JSON body: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest("The JSON body must be an object");
  return value as Record<string, unknown>;
}

/** HTTP header values must be single-line latin1. */
export function headerSafe(value: string): string {
  return value.replace(/[\r\n]+/g, " ").replace(/[^\x20-\x7e]/g, "?").slice(0, 500);
}

export function errorReply(err: HubError, requestId: string): Reply {
  const headers: Record<string, string> = { "X-Error-Message": headerSafe(err.message), ...err.options.headers };
  if (err.options.code) headers["X-Error-Code"] = err.options.code;
  return json({ error: err.message, ...err.options.extra }, err.status, { ...headers, "X-Request-Id": requestId });
}
