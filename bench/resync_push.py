"""Python's side of `npm run bench:resync`: datasets' own load_dataset + push_to_hub of a CSV file.

    python resync_push.py <repo id> <csv file>

HF_ENDPOINT, HF_TOKEN and the caches come from the environment (bench/resync.ts sets them: the Hub
emulator with Xet, hf_xet installed). Prints one JSON line: the seconds it took and the commit.
"""
import json
import sys
import time

from datasets import load_dataset

repo, csv = sys.argv[1], sys.argv[2]
started = time.time()
dataset = load_dataset("csv", data_files=csv, split="train")
loaded = time.time()
info = dataset.push_to_hub(repo)
print(json.dumps({"load_seconds": loaded - started, "push_seconds": time.time() - loaded, "commit": getattr(info, "oid", None)}))
