import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { NamedFeature } from "../../src/model/features.js";
import { parseCard, renderCard } from "../../src/hub/card/card.js";
import { type ConfigUpdate, applyConfigDeletion, applyConfigUpdate } from "../../src/hub/card/metadata.js";

const TEXT: NamedFeature[] = [{ name: "text", feature: { kind: "value", dtype: "string" } }];
const TEXT_LABEL: NamedFeature[] = [...TEXT, { name: "label", feature: { kind: "class_label", names: ["neg", "pos"] } }];

function update(overrides: Partial<ConfigUpdate> = {}): ConfigUpdate {
  return {
    config: "default",
    dataDir: "data",
    features: TEXT,
    splits: [{ name: "train", numBytes: 100, numExamples: 3 }],
    replaceAllSplits: false,
    downloadSize: 900,
    setDefault: false,
    ...overrides,
  };
}

function push(text: string, ...updates: Partial<ConfigUpdate>[]): { text: string; data: Record<string, any> } {
  const card = parseCard(text);
  for (const u of updates) applyConfigUpdate(card, update(u));
  const out = renderCard(card);
  const front = /^---\n([\s\S]*?)\n---\n/.exec(out)![1]!;
  return { text: out, data: parseYaml(front) as Record<string, any> };
}

describe("configs and dataset_info, as push_to_hub writes them", () => {
  it("writes a new card like Python: dataset_info mapping first, then configs", () => {
    const { text } = push("", { features: TEXT_LABEL });
    expect(text).toBe(
      [
        "---",
        "dataset_info:",
        "  features:",
        "  - name: text",
        "    dtype: string",
        "  - name: label",
        "    dtype:",
        "      class_label:",
        "        names:",
        "          '0': neg",
        "          '1': pos",
        "  splits:",
        "  - name: train",
        "    num_bytes: 100",
        "    num_examples: 3",
        "  download_size: 900",
        "  dataset_size: 100",
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        "    path: data/train-*",
        "---",
        "",
      ].join("\n"),
    );
  });

  it("adds a split after the existing ones and keeps their entries", () => {
    const { data } = push("", {}, { splits: [{ name: "test", numBytes: 50, numExamples: 2 }], downloadSize: 1200 });
    expect(data.configs).toEqual([
      { config_name: "default", data_files: [{ split: "train", path: "data/train-*" }, { split: "test", path: "data/test-*" }] },
    ]);
    expect(data.dataset_info.splits).toEqual([
      { name: "train", num_bytes: 100, num_examples: 3 },
      { name: "test", num_bytes: 50, num_examples: 2 },
    ]);
    expect(data.dataset_info.dataset_size).toBe(150);
    expect(data.dataset_info.download_size).toBe(1200);
  });

  it("re-pushing a split updates it in place, features included (unlike Python's #8608)", () => {
    const { data } = push(
      "",
      { splits: [{ name: "train", numBytes: 100, numExamples: 3 }] },
      { splits: [{ name: "train", numBytes: 300, numExamples: 9 }], features: TEXT_LABEL },
    );
    expect(data.dataset_info.splits).toEqual([{ name: "train", num_bytes: 300, num_examples: 9 }]);
    expect(data.dataset_info.features.map((f: { name: string }) => f.name)).toEqual(["text", "label"]);
  });

  it("refuses new features for one split while other splits keep the old ones", () => {
    const card = parseCard("");
    applyConfigUpdate(card, update({ splits: [{ name: "train", numBytes: 1, numExamples: 1 }, { name: "test", numBytes: 1, numExamples: 1 }] }));
    expect(() => applyConfigUpdate(card, update({ features: TEXT_LABEL }))).toThrow(/publish all of its splits together with the 'splits' input/);
  });

  it("publishing the whole config replaces its splits", () => {
    const { data } = push(
      "",
      { splits: [{ name: "train", numBytes: 1, numExamples: 1 }, { name: "test", numBytes: 1, numExamples: 1 }] },
      { splits: [{ name: "validation", numBytes: 5, numExamples: 5 }], replaceAllSplits: true, features: TEXT_LABEL },
    );
    expect(data.configs[0].data_files).toEqual([{ split: "validation", path: "data/validation-*" }]);
    expect(data.dataset_info.splits).toEqual([{ name: "validation", num_bytes: 5, num_examples: 5 }]);
  });

  it("keeps other configs untouched, sorts configs, and switches dataset_info to a sorted list", () => {
    const existing = [
      "---",
      "license: mit",
      "dataset_info:",
      "  config_name: fr",
      "  features:",
      "  - name: text",
      "    dtype: string",
      "  splits:",
      "  - name: train",
      "    num_bytes: 7",
      "    num_examples: 1",
      "  download_size: 70",
      "  dataset_size: 7",
      "configs:",
      "- config_name: fr",
      "  data_files:",
      "  - split: train",
      "    path: fr/train-*",
      "  sep: ';'",
      "---",
      "Prose.",
      "",
    ].join("\n");
    const { data, text } = push(existing, { config: "en", dataDir: "en" });
    expect(Object.keys(data)).toEqual(["license", "dataset_info", "configs"]);
    expect(data.configs.map((c: { config_name: string }) => c.config_name)).toEqual(["en", "fr"]);
    expect(data.configs[1]).toEqual({ config_name: "fr", data_files: [{ split: "train", path: "fr/train-*" }], sep: ";" });
    expect(data.dataset_info.map((i: { config_name: string }) => i.config_name)).toEqual(["en", "fr"]);
    expect(data.dataset_info[1]).toEqual({
      config_name: "fr",
      features: [{ name: "text", dtype: "string" }],
      splits: [{ name: "train", num_bytes: 7, num_examples: 1 }],
      download_size: 70,
      dataset_size: 7,
    });
    expect(data.dataset_info[0].config_name).toBe("en");
    expect(text.endsWith("---\nProse.\n")).toBe(true);
  });

  it("a single non-default config keeps config_name first in a dataset_info mapping", () => {
    const { data, text } = push("", { config: "en", dataDir: "en" });
    expect(Array.isArray(data.dataset_info)).toBe(false);
    expect(text).toContain("dataset_info:\n  config_name: en\n  features:");
  });

  it("set-default moves default: true to the pushed config, which keeps it on later pushes", () => {
    const first = push("", { config: "a", dataDir: "a", setDefault: true }, { config: "b", dataDir: "b" });
    expect(first.data.configs).toEqual([
      { config_name: "a", data_files: [{ split: "train", path: "a/train-*" }], default: true },
      { config_name: "b", data_files: [{ split: "train", path: "b/train-*" }] },
    ]);
    const moved = push(first.text, { config: "b", dataDir: "b", setDefault: true });
    expect(moved.data.configs.map((c: Record<string, unknown>) => c.default)).toEqual([undefined, true]);
    const kept = push(moved.text, { config: "b", dataDir: "b" });
    expect(kept.data.configs[1].default).toBe(true);
  });

  it("refuses set-default while a config named 'default' exists", () => {
    const card = parseCard("");
    applyConfigUpdate(card, update());
    expect(() => applyConfigUpdate(card, update({ config: "other", dataDir: "other", setDefault: true }))).toThrow(/config named 'default'/);
  });

  it("keeps a legacy data/ layout reachable when a named config is added to a card without configs", () => {
    const card = parseCard("---\nlicense: mit\n---\n");
    applyConfigUpdate(card, update({ config: "extra", dataDir: "extra" }), ["test", "train"]);
    const data = parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(renderCard(card))![1]!) as Record<string, any>;
    expect(data.configs[1]).toEqual({
      config_name: "extra",
      data_files: [{ split: "train", path: "extra/train-*" }],
    });
    expect(data.configs[0].config_name).toBe("default");
    expect(data.configs[0].data_files.map((d: { split: string }) => d.split)).toEqual(["test", "train"]);
  });

  it("keeps a list-valued path a list when its split is re-pushed", () => {
    const existing = "---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path:\n    - data/train-*\n---\n";
    const { data } = push(existing, {});
    expect(data.configs[0].data_files).toEqual([{ split: "train", path: ["data/train-*"] }]);
  });

  it("delete-config removes the config's entries and the legacy config_names, and collapses dataset_info", () => {
    const { text } = push("---\nconfig_names:\n- a\n- b\n---\nBody\n", { config: "a", dataDir: "a" }, { config: "b", dataDir: "b" });
    const card = parseCard(text);
    applyConfigDeletion(card, "a");
    const out = renderCard(card);
    const data = parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(out)![1]!) as Record<string, any>;
    expect(data.config_names).toEqual(["b"]);
    expect(data.configs).toEqual([{ config_name: "b", data_files: [{ split: "train", path: "b/train-*" }] }]);
    expect(Array.isArray(data.dataset_info)).toBe(false);
    expect(data.dataset_info.config_name).toBe("b");
    expect(out.endsWith("---\nBody\n")).toBe(true);
    applyConfigDeletion(card, "b");
    expect(renderCard(card)).toBe("---\n{}\n---\nBody\n");
  });
});
