/** DuckDB as the independent Parquet reader of the tests. */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

let connection: Promise<DuckDBConnection> | undefined;

async function connect(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create(":memory:").then((db) => db.connect());
  return connection;
}

/** Rows as JSON-friendly objects (BIGINT as strings, as DuckDB's JSON conversion gives them). */
export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const c = await connect();
  const reader = await c.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

/** `describe` of a Parquet file: column name → DuckDB type. */
export async function columnTypes(file: string): Promise<Record<string, string>> {
  const rows = await query(`describe select * from read_parquet('${file}')`);
  return Object.fromEntries(rows.map((r) => [String(r.column_name), String(r.column_type)]));
}

export async function kvMetadata(file: string): Promise<Record<string, string>> {
  const rows = await query(`select decode(key) as key, decode(value) as value from parquet_kv_metadata('${file}')`);
  return Object.fromEntries(rows.map((r) => [String(r.key), String(r.value)]));
}
