// One DuckDB conversion in its own process (2 threads), for a side-by-side
// measurement: prints wall time (including start-up) and peak RSS.
import { DuckDBInstance } from "@duckdb/node-api";

const [sql] = process.argv.slice(2);
const started = performance.now();
const db = await DuckDBInstance.create(":memory:", { threads: "2" });
const connection = await db.connect();
await connection.run(sql);
connection.closeSync?.();
process.stderr.write(`\n@@bench ${JSON.stringify({ innerSeconds: (performance.now() - started) / 1000 })}\n`);
