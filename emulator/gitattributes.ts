// The default .gitattributes a new Hub repo gets, and the subset of
// gitattributes matching that decides whether a path is stored through LFS.

const LFS = "filter=lfs diff=lfs merge=lfs -text";

// HF's template for every repo type (order as on the Hub).
const BASE_PATTERNS = [
  "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib", "*.lfs.*", "*.lz4",
  "*.mds", "*.mlmodel", "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot", "*.parquet", "*.pb",
  "*.pickle", "*.pkl", "*.pt", "*.pth", "*.rar", "*.safetensors", "saved_model/**/*", "*.tar.*", "*.tar",
  "*.tflite", "*.tgz", "*.wasm", "*.xz", "*.zip", "*.zst", "*tfevents*",
];

// Datasets additionally get media sections. Note: no csv/json/jsonl/txt,
// those stay regular git files unless they are large or binary.
const DATASET_SECTIONS: Array<[string, string[]]> = [
  ["Audio files - uncompressed", ["*.pcm", "*.sam", "*.raw"]],
  ["Audio files - compressed", ["*.aac", "*.flac", "*.mp3", "*.ogg", "*.wav"]],
  ["Image files - uncompressed", ["*.bmp", "*.gif", "*.png", "*.tiff"]],
  ["Image files - compressed", ["*.jpg", "*.jpeg", "*.webp"]],
  ["Video files - compressed", ["*.mp4", "*.webm"]],
];

export function defaultGitAttributes(repoType: string): string {
  const lines = BASE_PATTERNS.map((p) => `${p} ${LFS}`);
  if (repoType === "dataset") {
    for (const [title, patterns] of DATASET_SECTIONS) {
      lines.push(`# ${title}`, ...patterns.map((p) => `${p} ${LFS}`));
    }
  }
  return lines.join("\n") + "\n";
}

interface LfsRule {
  regex: RegExp;
  /** true: filter=lfs, false: -filter / !filter / filter=<other> */
  lfs: boolean;
}

/** Translate a gitattributes glob to a regex over the repo-relative path. */
function globToRegex(pattern: string): RegExp {
  let p = pattern;
  // A pattern without a slash matches the basename at any depth (git rule).
  const anchored = p.includes("/");
  if (p.startsWith("/")) p = p.slice(1);
  let re = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "*" && p[i + 1] === "*") {
      // "**/" = any number of directories, "/**" at the end = everything below
      if (p[i + 2] === "/") {
        re += "(?:.*/)?";
        i += 2;
      } else {
        re += ".*";
        i += 1;
      }
    } else if (c === "*") {
      re += "[^/]*";
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "[") {
      const end = p.indexOf("]", i + 1);
      if (end === -1) {
        re += "\\[";
      } else {
        re += "[" + p.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\") + "]";
        i = end;
      }
    } else {
      re += c.replace(/[.+^${}()|\\]/g, "\\$&");
    }
  }
  return new RegExp(anchored ? `^${re}$` : `(?:^|/)${re}$`);
}

export function parseLfsRules(content: string): LfsRule[] {
  const rules: LfsRule[] = [];
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [pattern, ...attrs] = line.split(/\s+/);
    for (const attr of attrs) {
      if (attr === "filter=lfs") rules.push({ regex: globToRegex(pattern), lfs: true });
      else if (attr === "-filter" || attr === "!filter" || (attr.startsWith("filter=") && attr !== "filter=lfs")) {
        rules.push({ regex: globToRegex(pattern), lfs: false });
      }
    }
  }
  return rules;
}

/** Last matching rule wins, as in git. */
export function matchesLfs(rules: LfsRule[], path: string): boolean {
  let result = false;
  for (const rule of rules) if (rule.regex.test(path)) result = rule.lfs;
  return result;
}
