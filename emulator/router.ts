// Maps (method, decoded path segments) to a named route. The name is what
// faults, request counts and the request log refer to.
import type { RouteMatch } from "./http.js";
import { commit, preupload } from "./routes/commit.js";
import { listCommits, pathsInfo, serveFile, tree } from "./routes/files.js";
import { batch, completeMultipart, uploadBasic, uploadPart } from "./routes/lfs.js";
import { branch, refs, tag } from "./routes/refs.js";
import { createRepo, deleteRepo, repoInfo, validateYaml, whoami } from "./routes/repos.js";
import { emulatorStats } from "./stats.js";
import { matchXetRoute, xetReadToken, xetWriteToken } from "./xet/routes.js";
import type { RepoType } from "./store.js";

const API_TYPES: Record<string, RepoType> = { models: "model", datasets: "dataset", spaces: "space" };
const resolveHandler = serveFile(false);
const rawHandler = serveFile(true);

export function matchRoute(method: string, segs: string[]): RouteMatch | undefined {
  const is = (...methods: string[]) => methods.includes(method);

  if (segs[0] === "api") {
    const [, a, b] = segs;
    if (a === "whoami-v2" && segs.length === 2 && is("GET")) return { name: "whoami", handler: whoami, rest: [] };
    if (a === "repos" && b === "create" && segs.length === 3 && is("POST")) return { name: "create-repo", handler: createRepo, rest: [] };
    if (a === "repos" && b === "delete" && segs.length === 3 && is("DELETE")) return { name: "delete-repo", handler: deleteRepo, rest: [] };
    if (a === "validate-yaml" && segs.length === 2 && is("POST")) return { name: "validate-yaml", handler: validateYaml, rest: [] };
    const type = API_TYPES[a ?? ""];
    if (!type || segs.length < 4) return undefined;
    const id = `${segs[2]}/${segs[3]}`;
    const action = segs[4];
    const rest = segs.slice(5);
    const r = (name: RouteMatch["name"], handler: RouteMatch["handler"]): RouteMatch => ({ name, handler, type, id, rest });
    if (action === undefined && is("GET", "HEAD")) return r("repo-info", repoInfo);
    if (action === "revision" && rest.length > 0 && is("GET", "HEAD")) return r("repo-info", repoInfo);
    if (action === "tree" && is("GET")) return r("tree", tree);
    if (action === "paths-info" && is("POST")) return r("paths-info", pathsInfo);
    if (action === "preupload" && rest.length > 0 && is("POST")) return r("preupload", preupload);
    if (action === "commit" && rest.length > 0 && is("POST")) return r("commit", commit);
    if (action === "commits" && is("GET")) return r("commits", listCommits);
    if (action === "branch" && rest.length > 0 && is("POST", "DELETE")) return r("branch", branch);
    if (action === "tag" && is("POST", "DELETE") && (rest.length > 0 || method === "POST")) return r("tag", tag);
    if (action === "refs" && rest.length === 0 && is("GET")) return r("refs", refs);
    if (action === "xet-read-token" && is("GET")) return r("xet-read-token", xetReadToken);
    if (action === "xet-write-token" && is("GET")) return r("xet-write-token", xetWriteToken);
    return undefined;
  }

  if (segs[0] === "__xet") return matchXetRoute(method, segs);
  if (segs[0] === "__emulator" && segs[1] === "stats" && segs.length === 2 && is("GET")) {
    return { name: "emulator-stats", handler: emulatorStats, rest: [] };
  }

  if (segs[0] === "__lfs") {
    const rest = segs.slice(2);
    if (segs[1] === "upload" && rest.length === 1 && is("PUT")) return { name: "lfs-upload", handler: uploadBasic, rest };
    if (segs[1] === "part" && rest.length === 2 && is("PUT")) return { name: "lfs-part", handler: uploadPart, rest };
    if (segs[1] === "complete" && rest.length === 1 && is("POST")) return { name: "lfs-complete", handler: completeMultipart, rest };
    return undefined;
  }

  // Git-ish routes: datasets/ and spaces/ prefixes, no prefix for models.
  const type: RepoType = segs[0] === "datasets" ? "dataset" : segs[0] === "spaces" ? "space" : "model";
  const off = type === "model" ? 0 : 1;
  const [ns, name, action] = [segs[off], segs[off + 1], segs[off + 2]];
  if (!ns || !name) return undefined;
  const tail = segs.slice(off + 2);
  if (name.endsWith(".git") && tail.join("/") === "info/lfs/objects/batch" && is("POST")) {
    return { name: "lfs-batch", handler: batch, type, id: `${ns}/${name.slice(0, -4)}`, rest: [] };
  }
  const rest = segs.slice(off + 3);
  if (action === "resolve" && rest.length >= 2 && is("GET", "HEAD")) return { name: "resolve", handler: resolveHandler, type, id: `${ns}/${name}`, rest };
  if (action === "raw" && rest.length >= 2 && is("GET", "HEAD")) return { name: "raw", handler: rawHandler, type, id: `${ns}/${name}`, rest };
  return undefined;
}
