"""Python's own view of a data file and of a published repo, and what differs between the two.

A difference is {"kind", "detail"}: kind names what differs (column-order, features, values...),
detail says where and how, deterministically, so that a list of expected differences can be
checked in and compared with what a run observes."""

import math

# The packaged loader Python's `load_dataset(repo)` picks for each extension (datasets'
# _EXTENSION_TO_MODULE), used on the raw file as the reference.
PACKAGED = {
    "csv": ("csv", {}),
    "tsv": ("csv", {"sep": "\t"}),
    "json": ("json", {}),
    "jsonl": ("json", {}),
    "parquet": ("parquet", {}),
    "text": ("text", {}),
}

REL_TOL = 1e-8
MAX_ERROR = 300


def error_text(e):
    """Exception class and first line of the message (and of its cause: datasets wraps a loader's
    error in DatasetGenerationError), short enough to compare and read."""

    def line(x):
        first = str(x).strip().splitlines()[0] if str(x).strip() else ""
        return f"{type(x).__name__}: {first}"

    text = line(e) + (f" (from {line(e.__cause__)})" if e.__cause__ is not None else "")
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


def load_reference(path, fmt, features=None):
    """Python's packaged loader on a file (or a list of files); `features`: a Features dict (to_dict form), as `features=`."""
    import datasets

    builder, kwargs = PACKAGED[fmt]
    if features is not None:
        kwargs = {**kwargs, "features": datasets.Features.from_dict(features)}
    return datasets.load_dataset(builder, data_files=path, split="train", **kwargs)


def load_published(repo, config=None, split="train"):
    import datasets

    return datasets.load_dataset(repo, config, split=split)


def describe(ds):
    return {
        "columns": list(ds.column_names),
        "numRows": ds.num_rows,
        "features": ds.features.to_dict(),
    }


def _short(v):
    text = repr(v)
    return text if len(text) <= 80 else text[:79] + "…"


def same_value(a, b, rel_tol=REL_TOL):
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or math.isclose(a, b, rel_tol=rel_tol)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        # int vs float is a type difference, reported through the features; compare the numbers.
        return same_value(float(a), float(b), rel_tol)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k], rel_tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y, rel_tol) for x, y in zip(a, b))
    return a == b


def exact_rows(path, fmt):
    """The rows of a JSON or JSON Lines file as Python's json module reads them: floats exactly as written.
    Python's JSON loader rounds the floats of JSON arrays (they go through pandas' ujson at 10
    decimals), and stores a string holding JSON in a Json column as that JSON; a value that differs
    from Python's but equals the file's is not the action's error. An array of plain values is one
    column `text`; objects one after another (across lines) are rows too."""
    import gzip
    import json

    if fmt not in ("json", "jsonl"):
        return None
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig") as f:
        text = f.read()
    if text.lstrip().startswith("["):
        rows = json.loads(text)
        if rows and not isinstance(rows[0], dict):
            rows = [{"text": r} for r in rows]
    else:
        try:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            decoder, rows, at = json.JSONDecoder(), [], 0
            while text[at:].strip():
                row, end = decoder.raw_decode(text, len(text) - len(text[at:].lstrip()))
                rows.append(row)
                at = end
    return rows if all(isinstance(r, dict) for r in rows) else None


def compare(reference, published, exact=None, rel_tol=REL_TOL):
    """Differences between Python's packaged load of the file and its load of the published repo.
    `exact`: the file's rows as written (exact_rows), for floats Python rounds; `rel_tol` 0 compares floats bit for bit."""
    diffs = []
    ref_cols, pub_cols = list(reference.column_names), list(published.column_names)
    if ref_cols != pub_cols:
        if sorted(ref_cols) == sorted(pub_cols):
            diffs.append({"kind": "column-order", "detail": f"python {ref_cols} action {pub_cols}"})
        else:
            missing = [c for c in ref_cols if c not in pub_cols]
            extra = [c for c in pub_cols if c not in ref_cols]
            diffs.append({"kind": "columns", "detail": f"only in python {missing}, only in action {extra}"})
    if reference.num_rows != published.num_rows:
        diffs.append({"kind": "num-rows", "detail": f"python {reference.num_rows} action {published.num_rows}"})
    shared = [c for c in ref_cols if c in pub_cols]
    string_only, other = [], []
    for col in shared:
        a, b = reference.features[col], published.features[col]
        if a == b:
            continue
        ta, tb = repr(a), repr(b)  # as datasets prints them: Value('large_string'), List(Value('int64'))...
        if {ta, tb} == {"Value('string')", "Value('large_string')"}:
            string_only.append(f"{col}: python {ta} action {tb}")
        else:
            other.append(f"{col}: python {ta} action {tb}")
    if string_only:
        diffs.append({"kind": "string-type", "detail": "; ".join(string_only)})
    if other:
        diffs.append({"kind": "features", "detail": "; ".join(other)})
    if reference.num_rows == published.num_rows:
        for col in shared:
            written = [row.get(col) for row in exact] if exact and len(exact) == reference.num_rows else None
            a, b = reference.data.column(col).to_pylist(), published.data.column(col).to_pylist()
            # Json values are compared as Python decodes them (its JSON text may differ: see json-text).
            json_a, json_b = has_json(reference.features[col]), has_json(published.features[col])
            json = json_a and json_b
            if json_a:
                a = reference.features.decode_column(a, col)
            if json_b:
                b = published.features.decode_column(b, col)
            bad = [i for i, (x, y) in enumerate(zip(a, b)) if not same_value(x, y, rel_tol)]
            # Python changed the value (rounded a float; read a string holding JSON as that JSON), the action kept the file's.
            kept = [i for i in bad if written is not None and _same_exactly(b[i], written[i])]
            wrong = [i for i in bad if i not in set(kept)]
            if wrong:
                diffs.append({"kind": "values", "detail": _rows_text(col, wrong, len(a), a, b)})
            if kept:
                diffs.append({"kind": "json-text" if json else "float-rounding", "detail": _rows_text(col, kept, len(a), a, b)})
    return diffs


def has_json(feature):
    """Whether a feature is, or holds, a Json feature."""
    from datasets.features.features import Json

    if isinstance(feature, Json):
        return True
    if isinstance(feature, dict):
        return any(has_json(f) for f in feature.values())
    inner = getattr(feature, "feature", None)
    return inner is not None and has_json(inner)


def _same_exactly(value, written):
    if isinstance(value, float) and isinstance(written, (int, float)) and not isinstance(written, bool):
        return value == float(written)
    if isinstance(value, dict) and isinstance(written, dict):
        return all(_same_exactly(value[k], written.get(k)) for k in value)
    if isinstance(value, list) and isinstance(written, list):
        return len(value) == len(written) and all(_same_exactly(x, y) for x, y in zip(value, written))
    return same_value(value, written)


def _rows_text(col, rows, total, a, b):
    i = rows[0]
    return f"{col}: {len(rows)} of {total} rows differ, first row {i}: python {_short(a[i])} action {_short(b[i])}"
