// README.md ("card") metadata validation, as done by the Hub on /commit and
// /api/validate-yaml. The exact Hub schema is unpublished; this checks what
// is confirmed (YAML must parse, no custom tags) plus the dataset fields the
// Action writes (configs, dataset_info, license).
import { LineCounter, parseDocument } from "yaml";

/** The Hub's own front-matter regex. */
const FRONT_MATTER = /^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))/;

export type CardResult = { ok: true; metadata: Record<string, unknown> | undefined } | { ok: false; message: string };

export function validateCard(content: string): CardResult {
  const match = FRONT_MATTER.exec(content);
  if (!match) return { ok: true, metadata: undefined };
  const yamlText = match[2];
  const lineCounter = new LineCounter();
  // Core schema; YAML 1.1 types the Hub's parser knows (!!binary, !!timestamp...)
  // still resolve, but any other tag (e.g. !!python/tuple) is an error.
  const doc = parseDocument(yamlText, { schema: "core", uniqueKeys: true, prettyErrors: false, lineCounter });
  const at = (pos: [number, number]) => {
    const { line, col } = lineCounter.linePos(pos[0]);
    return `(${line}:${col})`;
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    return { ok: false, message: `Invalid YAML in README.md: ${e.message} ${at(e.pos)}` };
  }
  const badTag = doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED");
  if (badTag) {
    const tag = /Unresolved tag: (\S+)/.exec(badTag.message)?.[1] ?? "?";
    // Same wording as the Hub (js-yaml): "unknown tag !<tag:yaml.org,2002:python/tuple> (33:3)"
    return { ok: false, message: `Invalid YAML in README.md: unknown tag !<${tag}> ${at(badTag.pos)}` };
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) return { ok: true, metadata: {} };
  if (!isMapping(data)) return { ok: false, message: "Invalid metadata in README.md: must be a mapping" };
  const problem = checkMetadata(data);
  return problem ? { ok: false, message: `Invalid metadata in README.md: ${problem}` } : { ok: true, metadata: data };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

const isString = (v: unknown): v is string => typeof v === "string";
const isStringList = (v: unknown): boolean => Array.isArray(v) && v.every(isString);

function checkMetadata(data: Record<string, unknown>): string | undefined {
  if ("license" in data && !(isString(data.license) || isStringList(data.license))) {
    return `"license" must be a string or a list of strings`;
  }
  if ("configs" in data) {
    const problem = checkConfigs(data.configs);
    if (problem) return problem;
  }
  if ("dataset_info" in data) {
    const info = data.dataset_info;
    if (!isMapping(info) && !(Array.isArray(info) && info.every(isMapping))) {
      return `"dataset_info" must be a mapping or a list of mappings`;
    }
  }
  return undefined;
}

function checkConfigs(configs: unknown): string | undefined {
  if (!Array.isArray(configs)) return `"configs" must be a list of mappings`;
  const names = new Set<string>();
  for (const [i, config] of configs.entries()) {
    const at = `"configs[${i}]`;
    if (!isMapping(config)) return `${at}" must be a mapping`;
    if (!("config_name" in config)) return `${at}.config_name" is required`;
    if (!isString(config.config_name) || config.config_name === "") return `${at}.config_name" must be a non-empty string`;
    if (names.has(config.config_name)) return `"configs" has a duplicate config_name "${config.config_name}"`;
    names.add(config.config_name);
    // data_dir alone is a valid way to point a config at its files.
    if (!("data_files" in config)) {
      if (isString(config.data_dir)) continue;
      return `${at}.data_files" is required`;
    }
    const files = config.data_files;
    if (isString(files) || isStringList(files)) continue;
    if (!Array.isArray(files)) return `${at}.data_files" must be a string, a list of strings or a list of {split, path}`;
    for (const [j, split] of files.entries()) {
      const sat = `${at}.data_files[${j}]`;
      if (!isMapping(split)) return `${sat}" must be a {split, path} mapping`;
      if (!isString(split.split) || split.split === "") return `${sat}.split" must be a non-empty string`;
      if (!(isString(split.path) || (isStringList(split.path) && (split.path as string[]).length > 0))) {
        return `${sat}.path" must be a string or a list of strings`;
      }
    }
  }
  return undefined;
}
