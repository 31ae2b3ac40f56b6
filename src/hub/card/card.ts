/**
 * The dataset card (README.md): YAML front matter + Markdown body.
 *
 * Read as the Hub reads it (docs/dataset-layout.md#reading-and-writing-the-card). Only `configs` and
 * `dataset_info` are rewritten, by the rules of docs/dataset-layout.md#card-keys; every other key keeps
 * its place, value and formatting (comments too, which Python loses), and
 * the body is kept byte for byte. YAML 1.1 is used both ways, as PyYAML
 * (the reader of cards in `datasets`) does, so `yes`, `on` or `null` written
 * as strings are quoted.
 */
import { Document, isMap, parseDocument } from "yaml";

const FRONT_MATTER = /^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))/;

export class CardError extends Error {}

export interface Card {
  doc: Document;
  /** Markdown after the front matter, byte for byte. */
  body: string;
  lineBreak: string;
}

const YAML_OPTIONS = { version: "1.1" as const, uniqueKeys: true };

/** Parses README.md text; `where` names the card in messages. */
export function parseCard(text: string, where = "README.md"): Card {
  const m = FRONT_MATTER.exec(text);
  const lineBreak = detectLineBreak(text);
  if (!m) return { doc: new Document({}, YAML_OPTIONS), body: text, lineBreak };
  const doc = parseDocument(m[2]!, YAML_OPTIONS);
  if (doc.errors.length > 0) throw new CardError(`${where}: invalid YAML in the front matter: ${doc.errors[0]!.message}`);
  if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  if (!isMap(doc.contents)) throw new CardError(`${where}: the front matter must be a YAML mapping`);
  return { doc, body: text.slice(m[0].length), lineBreak };
}

/** `\r\n` if every break is CRLF, `\r` if bare CRs outnumber LFs, else `\n` (huggingface_hub's rule). */
function detectLineBreak(text: string): string {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length;
  const cr = (text.match(/\r/g) ?? []).length;
  if (crlf > 0 && crlf === lf && crlf === cr) return "\r\n";
  if (cr - crlf > lf) return "\r";
  return "\n";
}

export function renderCard(card: Card): string {
  const yaml = card.doc
    .toString({ indentSeq: false, lineWidth: 0, singleQuote: true })
    .replace(/\n+$/, "")
    .replace(/\n/g, card.lineBreak);
  const lb = card.lineBreak;
  return `---${lb}${yaml}${lb}---${lb}${card.body}`;
}

/** The card's metadata as plain values. */
export function cardData(card: Card): Record<string, unknown> {
  return (card.doc.toJS() as Record<string, unknown> | null) ?? {};
}

export function setKey(card: Card, key: string, value: unknown): void {
  card.doc.set(key, card.doc.createNode(value));
}

export function deleteKey(card: Card, key: string): void {
  card.doc.delete(key);
}
