import { describe, expect, it } from "vitest";
import { CardError, cardData, parseCard, renderCard, setKey } from "../../src/hub/card/card.js";

describe("dataset card front matter", () => {
  it("keeps the body byte for byte and the other keys in order", () => {
    const text = "---\nlicense: mit # keep me\npretty_name: Reviews\ntags:\n- nlp\n---\n\n# Reviews\n\nProse *stays* exactly.\n\n---\nnot front matter\n";
    const card = parseCard(text);
    expect(card.body).toBe("\n# Reviews\n\nProse *stays* exactly.\n\n---\nnot front matter\n");
    setKey(card, "configs", [{ config_name: "default" }]);
    const out = renderCard(card);
    expect(out.startsWith("---\nlicense: mit # keep me\npretty_name: Reviews\ntags:\n- nlp\nconfigs:\n- config_name: default\n---\n")).toBe(true);
    expect(out.endsWith(card.body)).toBe(true);
  });

  it("renders an unchanged card identically (idempotent round trip)", () => {
    const text = "---\nlicense: apache-2.0\nlanguage:\n- en\n- fr\nsize_categories:\n- n<1K\n---\nBody\n";
    expect(renderCard(parseCard(text))).toBe(text);
    const again = renderCard(parseCard(renderCard(parseCard(text))));
    expect(again).toBe(text);
  });

  it("treats a file without front matter as all body", () => {
    const card = parseCard("# Just prose\n");
    expect(card.body).toBe("# Just prose\n");
    expect(cardData(card)).toEqual({});
    setKey(card, "license", "mit");
    expect(renderCard(card)).toBe("---\nlicense: mit\n---\n# Just prose\n");
  });

  it("keeps CRLF line breaks of a Windows-edited card", () => {
    const text = "---\r\nlicense: mit\r\n---\r\nLine one\r\nLine two\r\n";
    const card = parseCard(text);
    expect(card.lineBreak).toBe("\r\n");
    setKey(card, "pretty_name", "X");
    expect(renderCard(card)).toBe("---\r\nlicense: mit\r\npretty_name: X\r\n---\r\nLine one\r\nLine two\r\n");
  });

  it("quotes strings that YAML 1.1 readers (PyYAML) would take for other types", () => {
    const card = parseCard("");
    setKey(card, "names", { "0": "yes", "1": "no", "2": "null", "3": "on", "4": "1.5", "5": "plain" });
    const out = renderCard(card);
    expect(out).toContain("'0': 'yes'");
    expect(out).toContain("'1': 'no'");
    expect(out).toContain("'2': 'null'");
    expect(out).toContain("'3': 'on'");
    expect(out).toContain("'4': '1.5'");
    expect(out).toContain("'5': plain");
  });

  it("refuses invalid YAML and non-mapping front matter with a clear message", () => {
    expect(() => parseCard("---\nlicense: [mit\n---\n")).toThrow(CardError);
    expect(() => parseCard("---\nlicense: [mit\n---\n")).toThrow(/invalid YAML in the front matter/);
    expect(() => parseCard("---\n- a\n- b\n---\n")).toThrow(/must be a YAML mapping/);
  });

  it("reads an empty front matter as no metadata, with the Hub's regex", () => {
    const card = parseCard("---\n\n---\nBody\n");
    expect(cardData(card)).toEqual({});
    expect(card.body).toBe("Body\n");
    // The Hub's pattern needs a line break before the closing ---: '---\n---' is body, as on the Hub.
    expect(parseCard("---\n---\nBody\n").body).toBe("---\n---\nBody\n");
  });
});
