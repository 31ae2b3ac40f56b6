"""`npm run bench`'s Python side of the many-files cases: what a user of
`datasets` would write, `load_dataset(<format>, data_files=[...])` then
`push_to_hub`, against the Hub in HF_ENDPOINT (the emulator).

    python python-push.py csv|json '<glob>' <repo>

Prints the process's peak RSS as one `@@bench {...}` line on stderr.
"""

import glob
import json
import sys

from datasets import load_dataset

from peak_rss import peak_rss_bytes  # bench/, the script's folder


def main() -> None:
    builder, pattern, repo = sys.argv[1:4]
    files = sorted(glob.glob(pattern))
    if not files:
        raise SystemExit(f"no files match {pattern}")
    load_dataset(builder, data_files=files).push_to_hub(repo)
    sys.stderr.write(f"\n@@bench {json.dumps({'maxRssBytes': peak_rss_bytes(), 'files': len(files)})}\n")


if __name__ == "__main__":
    main()
