/**
 * The files one prepare job reads: its slice of the matched files
 * (./slice.ts), each whole or, for a file bigger than a slice's share, the
 * piece of it between the job's two boundaries (src/data/read/pieces.ts
 * finds where a file can be cut), and lines that tell the user so.
 */
import { sizeOf } from "../data/convert.js";
import type { DataFile } from "../data/read/discover.js";
import { type Cut, type FilePiece, canCut, findCuts } from "../data/read/pieces.js";
import { formatBytes, formatCount } from "../units.js";
import { type SliceId, sliceFilesCutting, sliceName } from "./slice.js";

export interface JobFiles {
  /** The job's files per split (splits without any left out); a cut file carries its `piece`. */
  files: { split: string; files: DataFile[] }[];
  /** A whole file's size (also for a piece of it). */
  fileSize(file: DataFile): number;
  /** What to log: the slice's share, and each piece. */
  lines: string[];
}

export async function jobFiles(found: { split: string; files: DataFile[] }[], slice: SliceId): Promise<JobFiles> {
  // Whole files' sizes, by path (a piece of a file is another object).
  const sizes = new Map(found.flatMap((s) => s.files.map((f) => [f.localPath, sizeOf(f)] as const)));
  const fileSize = (f: DataFile) => sizes.get(f.localPath)!;
  const sliced = await sliceFilesCutting(found, fileSize, slice, { canCut, findCuts });
  const files = sliced
    .map((s) => ({ split: s.split, files: s.files.map(({ file, from, to }) => (from || to ? { ...file, piece: pieceOf(from, to, fileSize(file)) } : file)) }))
    .filter((s) => s.files.length > 0);
  const total = [...sizes.values()].reduce((n, b) => n + b, 0);
  const count = files.reduce((n, s) => n + s.files.length, 0);
  const cut = files.reduce((n, s) => n + s.files.filter((f) => f.piece).length, 0);
  const bytes = files.reduce((n, s) => n + s.files.reduce((m, f) => m + sizeOf(f), 0), 0);
  const lines = [
    `Slice ${sliceName(slice)}: ${formatCount(count)} of ${formatCount(sizes.size)} files${cut > 0 ? ` (${cut === count ? (cut === 1 ? "a piece of it" : "pieces of them") : `${formatCount(cut)} of them in part`})` : ""}, ${formatBytes(bytes)} of ${formatBytes(total)}.`,
  ];
  for (const s of files)
    for (const f of s.files)
      if (f.piece)
        lines.push(
          `${s.split}: ${f.file} (${formatBytes(fileSize(f))}) is cut between slices; this slice reads its bytes ${formatCount(f.piece.start)}–${formatCount(f.piece.end)} (${formatBytes(f.piece.end - f.piece.start)}), ${pieceStart(f.piece)}.`,
        );
  return { files, fileSize, lines };
}

/** The bytes of a file from cut `from` (else its start) to cut `to` (else its end, `size`), and where they start. */
function pieceOf(from: Cut | undefined, to: Cut | undefined, size: number): FilePiece {
  const piece: FilePiece = { start: from?.byte ?? 0, end: to?.byte ?? size };
  if (from?.line !== undefined) piece.line = from.line;
  if (from?.rowGroup !== undefined) piece.rowGroup = from.rowGroup;
  return piece;
}

/** Where a piece starts, for the log: its line (text formats), its row group (Parquet, counted from 1), or the file's start. */
function pieceStart(piece: FilePiece): string {
  if (piece.line !== undefined) return `from line ${formatCount(piece.line)}`;
  if (piece.rowGroup !== undefined) return `from row group ${formatCount(piece.rowGroup + 1)} (counting from 1)`;
  return "from its start";
}
