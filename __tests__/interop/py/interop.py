"""Python side of the interop tests: `python interop.py COMMAND` reads a JSON request on stdin and
writes one JSON answer on stdout (logs go to stderr). Hub calls go to HF_ENDPOINT (the emulator).

Commands:
  check         the packages are importable; answers their versions
  materialize   lay the corpus out: {manifest, projectRoot, wheelDir, out} -> {files}
  corpus        per file: Python's packaged load (the reference), Python's push_to_hub of it, and the
                differences between the reference and Python's load_dataset of the action's repo
  deviations    the same for small cases (several files, `features`, floats compared exactly), no push
  push          Python's push_to_hub of one file's packaged load as a config of a repo
  load-configs  every config of a repo, loaded by load_dataset
  load-rows     one config of a repo, loaded by load_dataset: per split its features and rows
  clients       huggingface_hub calls beyond load_dataset/push_to_hub (snapshot_download, HfFileSystem...)
  media-materialize  lay out the media files of corpus.json's "media" list: {manifest, projectRoot, wheelDir, out}
  media         per media folder: Python's imagefolder/audiofolder (or a CSV's path columns) against Python's
                load_dataset of the action's repo, every published file decoded (see media.py)
"""

import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compare  # noqa: E402


def cmd_check(_req):
    import datasets
    import huggingface_hub
    import pandas
    import pyarrow

    return {
        "python": sys.version.split()[0],
        "datasets": datasets.__version__,
        "huggingface_hub": huggingface_hub.__version__,
        "pyarrow": pyarrow.__version__,
        "pandas": pandas.__version__,
    }


def cmd_materialize(req):
    import corpus

    with open(req["manifest"]) as f:
        manifest = json.load(f)
    return {"files": corpus.materialize(manifest, req["projectRoot"], req["wheelDir"], req["out"])}


def _attempt(fn):
    try:
        return fn(), None
    except Exception as e:  # every failure is a result to report, not a crash
        print(traceback.format_exc(), file=sys.stderr)
        return None, compare.error_text(e)


def _check_file(job):
    out = {"name": job["name"]}
    reference, error = _attempt(lambda: compare.load_reference(job["path"], job["format"]))
    out["reference"] = compare.describe(reference) if reference is not None else {"error": error}
    if reference is not None and job.get("pythonRepo"):
        _, error = _attempt(lambda: reference.push_to_hub(job["pythonRepo"]))
        out["pythonPush"] = {"error": error} if error else {"ok": True}
    if job.get("actionRepo"):
        published, error = _attempt(lambda: compare.load_published(job["actionRepo"]))
        if published is None:
            out["published"] = {"error": error}
        else:
            out["published"] = compare.describe(published)
            if reference is not None:
                exact = compare.exact_rows(job["path"], job["format"])
                out["differences"] = compare.compare(reference, published, exact)
    return out


def cmd_corpus(req):
    return {"results": [_check_file(job) for job in req["files"]]}


def _check_case(job):
    out = {"name": job["name"]}
    paths = job["paths"]
    reference, error = _attempt(lambda: compare.load_reference(paths if len(paths) > 1 else paths[0], job["format"], job.get("features")))
    out["reference"] = compare.describe(reference) if reference is not None else {"error": error}
    if job.get("actionRepo"):
        published, error = _attempt(lambda: compare.load_published(job["actionRepo"]))
        out["published"] = compare.describe(published) if published is not None else {"error": error}
        if reference is not None and published is not None:
            exact = compare.exact_rows(paths[0], job["format"]) if len(paths) == 1 else None
            out["differences"] = compare.compare(reference, published, exact, 0.0 if job.get("exactFloats") else compare.REL_TOL)
    return out


def cmd_deviations(req):
    return {"results": [_check_case(job) for job in req["cases"]]}


def cmd_push(req):
    reference = compare.load_reference(req["path"], req["format"])
    if "rows" in req:
        reference = reference.select(range(req["rows"]))
    info = reference.push_to_hub(
        req["repo"],
        config_name=req.get("config", "default"),
        revision=req.get("revision"),
        create_pr=req.get("createPr", False),
    )
    return {"numRows": reference.num_rows, "commit": info.oid, "prUrl": info.pr_url}


def cmd_load_configs(req):
    import datasets

    configs = {}
    revision = req.get("revision")
    for name in datasets.get_dataset_config_names(req["repo"], revision=revision):
        loaded, error = _attempt(lambda: datasets.load_dataset(req["repo"], name, revision=revision))
        configs[name] = (
            {"error": error}
            if loaded is None
            else {split: {"numRows": ds.num_rows, "columns": ds.column_names} for split, ds in loaded.items()}
        )
    return {"configs": configs}


def cmd_load_rows(req):
    import datasets

    loaded = datasets.load_dataset(req["repo"], req.get("config", "default"))
    return {split: {"features": ds.features.to_dict(), "rows": ds.to_list()} for split, ds in loaded.items()}


def cmd_clients(req):
    import clients

    return clients.run(req)


def cmd_media_materialize(req):
    import media

    with open(req["manifest"]) as f:
        manifest = json.load(f)
    return media.materialize(manifest, req["projectRoot"], req["wheelDir"], req["out"])


def cmd_media(req):
    import media

    return media.check(req["jobs"])


COMMANDS = {
    "check": cmd_check,
    "materialize": cmd_materialize,
    "corpus": cmd_corpus,
    "deviations": cmd_deviations,
    "push": cmd_push,
    "load-configs": cmd_load_configs,
    "load-rows": cmd_load_rows,
    "clients": cmd_clients,
    "media-materialize": cmd_media_materialize,
    "media": cmd_media,
}


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in COMMANDS:
        print(f"usage: interop.py {{{'|'.join(COMMANDS)}}} < request.json", file=sys.stderr)
        return 2
    raw = sys.stdin.read()
    # Libraries may print; only the answer goes to the real stdout.
    answer_out, sys.stdout = sys.stdout, sys.stderr
    answer = COMMANDS[command](json.loads(raw) if raw.strip() else {})
    answer_out.write(json.dumps(answer, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
