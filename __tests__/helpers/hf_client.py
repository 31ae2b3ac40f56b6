"""Drive Python's huggingface_hub (and hf_xet, unless HF_HUB_DISABLE_XET=1) against the emulator.

Usage: hf_client.py upload REPO LOCAL_FILE PATH_IN_REPO
       hf_client.py download REPO PATH_IN_REPO OUT_FILE
       hf_client.py upload-folder REPO LOCAL_DIR -
       hf_client.py snapshot REPO OUT_DIR -
       hf_client.py xet-hash - "FILE\nFILE..." -   (hf_xet's Xet file hash of each file, computed locally)
       hf_client.py load REPO - -    (datasets.load_dataset: per split its rows, columns, first and last row, sum of "id")
Endpoint and token come from HF_ENDPOINT / HF_TOKEN. Prints one JSON line describing what happened.
"""

import json
import os
import shutil
import sys

from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub.utils._runtime import is_xet_available


def main() -> None:
    action, repo, a, b = sys.argv[1:5]
    api = HfApi(endpoint=os.environ["HF_ENDPOINT"], token=os.environ["HF_TOKEN"])
    if action == "upload":
        info = api.upload_file(path_or_fileobj=a, path_in_repo=b, repo_id=repo, repo_type="dataset")
        result = {"commit": info.oid}
    elif action == "upload-folder":
        info = api.upload_folder(folder_path=a, repo_id=repo, repo_type="dataset")
        result = {"commit": info.oid}
    elif action == "snapshot":
        path = snapshot_download(repo, repo_type="dataset", local_dir=a, endpoint=os.environ["HF_ENDPOINT"], token=os.environ["HF_TOKEN"])
        result = {"path": path}
    elif action == "download":
        path = hf_hub_download(repo, a, repo_type="dataset", endpoint=os.environ["HF_ENDPOINT"], token=os.environ["HF_TOKEN"])
        shutil.copyfile(path, b)
        result = {"path": path}
    elif action == "xet-hash":
        import hf_xet

        result = {"hashes": [info.hash for info in hf_xet.hash_files(a.split("\n"))]}
    elif action == "load":
        import datasets

        loaded = datasets.load_dataset(repo)
        result = {
            "splits": {
                name: {
                    "rows": split.num_rows,
                    "columns": split.column_names,
                    "first": split[0],
                    "last": split[-1],
                    "id_sum": sum(split["id"]) if "id" in split.column_names else None,
                }
                for name, split in loaded.items()
            }
        }
    else:
        raise SystemExit(f"unknown action {action}")
    print(json.dumps({**result, "xet": is_xet_available()}))


if __name__ == "__main__":
    main()
