"""Python's side of the media benchmark (bench/media-bench.ts): what a user writes to publish an image
folder with `datasets`, timed by the caller. Prints one JSON line: the phases' seconds and the peak RSS.
Usage: python push-imagefolder.py <folder> <repo> <max_shard_size>   (HF_ENDPOINT, HF_TOKEN in the environment)"""

import json
import sys
import tempfile
import time

started = time.time()
import datasets  # noqa: E402

from peak_rss import peak_rss_bytes  # noqa: E402  (bench/, the script's folder)

folder, repo, max_shard_size = sys.argv[1:4]
with tempfile.TemporaryDirectory() as cache:
    loaded = time.time()
    ds = datasets.load_dataset("imagefolder", data_dir=folder, cache_dir=cache)
    pushed = time.time()
    ds.push_to_hub(repo, max_shard_size=max_shard_size)
    done = time.time()
print(
    json.dumps(
        {
            "importSeconds": loaded - started,
            "loadSeconds": pushed - loaded,
            "pushSeconds": done - pushed,
            "maxRssBytes": peak_rss_bytes(),
        }
    )
)
