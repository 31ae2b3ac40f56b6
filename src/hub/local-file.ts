/** A file on disk to upload to a repository: what the LFS and Xet uploaders both need of it. */
export interface LocalFile {
  /** Path in the repository (for the commit, and messages). */
  path: string;
  localPath: string;
  /** Lowercase hex sha256 of the content (the LFS oid). */
  sha256: string;
  size: number;
}
