"""huggingface_hub's reading and writing calls against the emulator, beyond load_dataset and
push_to_hub: what each returns, for the TypeScript side to check against the emulator's state."""

import hashlib
import os


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _entry(e):
    out = {"path": e.path, "type": "file" if hasattr(e, "blob_id") else "directory"}
    if hasattr(e, "blob_id"):
        out.update(size=e.size, oid=e.blob_id, lfs=e.lfs.sha256 if e.lfs else None)
        out["security"] = e.security.status if e.security else None
    else:
        out["oid"] = e.tree_id
    out["lastCommit"] = e.last_commit.oid if e.last_commit else None
    return out


def run(req):
    from huggingface_hub import HfApi, HfFileSystem, hf_hub_download, snapshot_download

    repo, file = req["repo"], req["file"]
    api = HfApi()
    fs = HfFileSystem()
    out = {}

    folder = snapshot_download(repo, repo_type="dataset")
    out["snapshot"] = {
        os.path.relpath(os.path.join(d, n), folder): _sha256(os.path.join(d, n))
        for d, _, names in os.walk(folder)
        for n in names
    }
    info = api.dataset_info(repo, files_metadata=True)
    out["repoInfo"] = {
        "sha": info.sha,
        "siblings": {s.rfilename: {"size": s.size, "lfs": s.lfs.sha256 if s.lfs else None} for s in info.siblings},
    }
    out["tree"] = [_entry(e) for e in api.list_repo_tree(repo, repo_type="dataset", recursive=True, expand=True)]
    out["pathsInfo"] = [_entry(e) for e in api.get_paths_info(repo, [file, "README.md", "nope"], repo_type="dataset", expand=True)]
    out["refs"] = sorted(b.name for b in api.list_repo_refs(repo, repo_type="dataset").branches)
    out["commits"] = [c.commit_id for c in api.list_repo_commits(repo, repo_type="dataset")]
    out["fileExists"] = [
        api.file_exists(repo, file, repo_type="dataset"),
        api.file_exists(repo, "nope.parquet", repo_type="dataset"),
    ]
    pinned = hf_hub_download(repo, file, repo_type="dataset", revision=info.sha)
    out["download"] = _sha256(pinned)

    root = f"datasets/{repo}"
    out["fs"] = {
        "ls": sorted((e["name"], e["type"]) for e in fs.ls(root, detail=True)),
        "glob": sorted(fs.glob(f"{root}/**/*.parquet")),
        "info": fs.info(f"{root}/{file}")["size"],
    }
    start, length = req["range"]
    with fs.open(f"{root}/{file}", "rb", block_size=length) as f:
        f.seek(start)
        out["fs"]["range"] = f.read(length).hex()

    api.create_branch(repo, branch="py-branch", repo_type="dataset")
    api.create_tag(repo, tag="py-tag", repo_type="dataset")
    out["refsAfter"] = sorted(b.name for b in api.list_repo_refs(repo, repo_type="dataset").branches)
    out["tagsAfter"] = sorted(t.name for t in api.list_repo_refs(repo, repo_type="dataset").tags)
    return out
