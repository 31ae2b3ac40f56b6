// Git object hashing, done exactly as git does so that oids served by the
// emulator have the same shape and meaning as the real Hub's.
import { createHash } from "node:crypto";

export function sha1Hex(data: Buffer | string): string {
  return createHash("sha1").update(data).digest("hex");
}

export function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export function md5Hex(data: Buffer): string {
  return createHash("md5").update(data).digest("hex");
}

/** git blob oid = sha1("blob <size>\0<content>") */
export function gitBlobOid(content: Buffer): string {
  return sha1Hex(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]));
}

/** The pointer file git-lfs commits in place of the real content. */
export function lfsPointer(sha256: string, size: number): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`);
}

export interface GitTreeChild {
  name: string;
  isDir: boolean;
  oid: string;
}

/** git tree oid: children sorted the git way (a directory sorts as "name/"). */
export function gitTreeOid(children: GitTreeChild[]): string {
  const key = (c: GitTreeChild) => (c.isDir ? c.name + "/" : c.name);
  const sorted = [...children].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const body = Buffer.concat(
    sorted.flatMap((c) => [Buffer.from(`${c.isDir ? "40000" : "100644"} ${c.name}\0`), Buffer.from(c.oid, "hex")]),
  );
  return sha1Hex(Buffer.concat([Buffer.from(`tree ${body.length}\0`), body]));
}

export const HEX40 = /^[0-9a-f]{40}$/;
export const HEX64 = /^[0-9a-f]{64}$/;
