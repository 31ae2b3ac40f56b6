"""pyarrow's reading of Parquet files, for the page writer's tests (__tests__/data/pages/).

    python parquet_compare.py values.arrows ours.parquet reference.parquet

Reads `ours` and `reference` (the same rows written by another writer) with pyarrow, and the rows as given
(an Arrow IPC stream of the dataset's types). Prints one JSON document: for each column whether pyarrow
reads the same values from `ours` as from `reference`, and as were given (cast to the type read back,
which ARROW:schema restores except for timestamp[s], time32[s] and date64, stored as ms and days);
the chunk statistics pyarrow sees in `ours`; whether every chunk has a page index.
"""
import json
import math
import sys

import pyarrow as pa
import pyarrow.parquet as pq


def same(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if x != y:
            return False
    return True


def plain(v):
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)  # JSON has no NaN or infinity
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53:
        return str(v)  # past what a JSON number keeps exactly
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


given = pa.ipc.open_stream(open(sys.argv[1], "rb")).read_all()
ours = pq.read_table(sys.argv[2])
reference = pq.read_table(sys.argv[3])
columns = {}
for name in given.column_names:
    o = ours.column(name)
    columns[name] = {
        "type": str(o.type),
        "as_reference": o.type == reference.column(name).type and same(o.to_pylist(), reference.column(name).to_pylist()),
        "as_given": same(o.to_pylist(), given.column(name).cast(o.type).to_pylist()),
    }

metadata = pq.ParquetFile(sys.argv[2]).metadata
statistics = []
page_index = True
for g in range(metadata.num_row_groups):
    group = metadata.row_group(g)
    row = {}
    for c in range(group.num_columns):
        chunk = group.column(c)
        page_index = page_index and chunk.has_column_index and chunk.has_offset_index
        s = chunk.statistics
        row[chunk.path_in_schema] = None if s is None else {
            "null_count": s.null_count,
            "min": plain(s.min) if s.has_min_max else None,
            "max": plain(s.max) if s.has_min_max else None,
        }
    statistics.append(row)
print(json.dumps({"columns": columns, "statistics": statistics, "page_index": page_index, "created_by": metadata.created_by}))
