/**
 * Real public data shipped in an npm package (vega-datasets): each file is
 * converted and compared value by value with DuckDB's own reading of the
 * same source (read_csv_auto / read_json_auto), in row order.
 *
 * Our types follow pandas (CSV) and pyarrow (JSON), as Python's loaders do;
 * DuckDB's inference legitimately differs, so values are compared in a
 * common type:
 * - pandas keeps dates as text; DuckDB detects DATE/TIMESTAMP (those columns
 *   are read from DuckDB as text instead);
 * - pandas reads integers with empty cells as float64 and `00501` as the
 *   integer 501; DuckDB keeps BIGINT / VARCHAR (compared as numbers);
 * - pandas reads `NA`, `None`, `null`, ... as nulls; DuckDB keeps the text
 *   (its side is mapped to null for those tokens);
 * - DuckDB may type JSON integers HUGEINT (compared as numbers).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { featuresFromYaml } from "../../src/model/features.js";
import { NA_TOKENS } from "../../src/data/read/parse.js";
import { columnTypes, query } from "../helpers/duckdb.js";
import { type Converted, convertFiles, dataFile, featureMap, removeTempDirs } from "./helpers.js";

afterAll(removeTempDirs);

/** The package's data folder (its exports map hides package.json, so it is found from the project root). */
const DATA = path.join(import.meta.dirname, "..", "..", "node_modules", "vega-datasets", "data");
if (!existsSync(DATA)) throw new Error(`vega-datasets is not installed (${DATA}); run npm ci`);

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const TEMPORAL = /^(DATE|TIMESTAMP.*)$/;

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const naToNull = (x: string) => `(case when ${x} in (${NA_TOKENS.map(sqlString).join(", ")}) then null else ${x} end)`;

/** Compares our shards with DuckDB's reading of `source`, value by value in row order. */
async function compareWithDuckDB({ conversion }: Converted, source: string): Promise<void> {
  const shards = conversion.splits[0]!.shards.map((s) => sqlString(s.localPath)).join(", ");
  const ours = await columnTypes(conversion.splits[0]!.shards[0]!.localPath);
  const csv = !source.endsWith(".json");
  const reader = (types: Record<string, string>) => {
    const forced = Object.entries(types).map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`).join(", ");
    if (!csv) return `read_json_auto(${sqlString(source)})`;
    return `read_csv_auto(${sqlString(source)}${forced ? `, types = {${forced}}` : ""})`;
  };
  const inferred = Object.fromEntries((await query(`describe select * from ${reader({})}`)).map((r) => [String(r.column_name), String(r.column_type)]));
  expect(Object.keys(ours)).toEqual(Object.keys(inferred));
  // pandas keeps dates as text: read those from DuckDB as text too.
  const forced = Object.fromEntries(Object.entries(inferred).filter(([k, t]) => TEMPORAL.test(t) && ours[k] === "VARCHAR").map(([k]) => [k, "VARCHAR"]));
  const theirs = { ...inferred, ...forced };
  const mine: string[] = [];
  const other: string[] = [];
  for (const [name, a] of Object.entries(ours)) {
    const b = theirs[name]!;
    const x = q(name);
    const y = csv && b === "VARCHAR" ? naToNull(x) : x;
    if (NUMERIC.test(a) || NUMERIC.test(b)) {
      mine.push(NUMERIC.test(a) ? `cast(${x} as double)` : `try_cast(${x} as double)`);
      other.push(NUMERIC.test(b) ? `cast(${y} as double)` : `try_cast(${y} as double)`);
    } else if (TEMPORAL.test(a) || TEMPORAL.test(b)) {
      mine.push(`cast(${x} as timestamp)`);
      other.push(`cast(${y} as timestamp)`);
    } else if (b === "JSON") {
      mine.push(x);
      other.push(`(${x} ->> '$')`);
    } else {
      mine.push(x);
      other.push(y);
    }
  }
  const a = await query(`select ${mine.map((e, i) => `${e} as c${i}`).join(", ")} from read_parquet([${shards}])`);
  const b = await query(`select ${other.map((e, i) => `${e} as c${i}`).join(", ")} from ${reader(forced)}`);
  expect(a.length).toBe(conversion.splits[0]!.rows);
  expect(a).toEqual(b);
}

describe("vega-datasets, compared with DuckDB", () => {
  const cases: [string, Record<string, string>][] = [
    ["seattle-weather.csv", { date: "large_string", precipitation: "float64", temp_max: "float64", temp_min: "float64", wind: "float64", weather: "large_string" }],
    // City/state "NA" (twelve rows) are nulls for pandas.
    ["airports.csv", { iata: "large_string", name: "large_string", city: "large_string", state: "large_string", country: "large_string", latitude: "float64", longitude: "float64" }],
    // "00501" → 501: pandas types zip codes int64 (DuckDB keeps VARCHAR).
    ["zipcodes.csv", { zip_code: "int64", latitude: "float64", longitude: "float64", city: "large_string", state: "large_string", county: "large_string" }],
    ["github.csv", { time: "large_string", count: "int64" }],
    ["iowa-electricity.csv", { year: "large_string", source: "large_string", net_generation: "int64" }],
    ["unemployment.tsv", { id: "int64", rate: "float64" }],
    ["us-employment.csv", { month: "large_string", nonfarm: "int64", private: "int64", goods_producing: "int64", service_providing: "int64", private_service_providing: "int64", mining_and_logging: "int64", construction: "int64", manufacturing: "int64", durable_goods: "int64", nondurable_goods: "int64", trade_transportation_utilties: "int64", wholesale_trade: "float64", retail_trade: "float64", transportation_and_warehousing: "float64", utilities: "float64", information: "int64", financial_activities: "int64", professional_and_business_services: "int64", education_and_health_services: "int64", leisure_and_hospitality: "int64", other_services: "int64", government: "int64", nonfarm_change: "int64" }],
    // "Effect Amount of damage" holds "None" in 8939 rows: nulls for pandas. Speeds with empty cells are float64.
    ["birdstrikes.csv", { "Airport Name": "large_string", "Aircraft Make Model": "large_string", "Effect Amount of damage": "large_string", "Flight Date": "large_string", "Aircraft Airline Operator": "large_string", "Origin State": "large_string", "Phase of flight": "large_string", "Wildlife Size": "large_string", "Wildlife Species": "large_string", "Time of day": "large_string", "Cost Other": "int64", "Cost Repair": "int64", "Cost Total $": "int64", "Speed IAS in knots": "float64" }],
    ["la-riots.csv", { first_name: "large_string", last_name: "large_string", age: "float64", gender: "large_string", race: "large_string", death_date: "large_string", address: "large_string", neighborhood: "large_string", type: "large_string", longitude: "float64", latitude: "float64" }],
    // "Year": "1970-01-01" strings are timestamp[s] for pyarrow (DuckDB: DATE).
    ["cars.json", { Name: "string", Miles_per_Gallon: "float64", Cylinders: "int64", Displacement: "float64", Horsepower: "int64", Weight_in_lbs: "int64", Acceleration: "float64", Year: "timestamp[s]", Origin: "string" }],
    ["penguins.json", { Species: "string", Island: "string", "Beak Length (mm)": "float64", "Beak Depth (mm)": "float64", "Flipper Length (mm)": "int64", "Body Mass (g)": "int64", Sex: "string" }],
    ["flights-2k.json", { date: "string", delay: "int64", distance: "int64", origin: "string", destination: "string" }],
    ["budgets.json", { budgetYear: "int64", forecastYear: "int64", value: "float64" }],
  ];

  for (const [name, features] of cases)
    it(name, async () => {
      const converted = await convertFiles([dataFile(DATA, name)]);
      expect(featureMap(converted.conversion.features)).toEqual(features);
      await compareWithDuckDB(converted, path.join(DATA, name));
    });

  it("movies.json: a title column holding numbers and strings is Json, as datasets makes it, or string with 'features'", async () => {
    const json = await convertFiles([dataFile(DATA, "movies.json")]);
    expect(featureMap(json.conversion.features).Title).toBe("json");
    const shard = sqlString(json.conversion.splits[0]!.shards[0]!.localPath);
    // Each title as JSON text: numbers as numbers, the others as strings; DuckDB reads the column as JSON.
    const titles = await query(`select Title::varchar t from read_parquet(${shard}) where Title::varchar in ('1776', '"12 Angry Men"')`);
    expect(titles.map((r) => r.t).sort()).toEqual(['"12 Angry Men"', "1776"]);
    expect(await columnTypes(json.conversion.splits[0]!.shards[0]!.localPath)).toMatchObject({ Title: "JSON" });
    const converted = await convertFiles([dataFile(DATA, "movies.json")], {
      overrides: featuresFromYaml(parse("- {name: Title, dtype: string}"), "features"),
    });
    expect(featureMap(converted.conversion.features).Title).toBe("string");
    await compareWithDuckDB(converted, path.join(DATA, "movies.json"));
  });

  it("flights-3m.parquet: 3 million rows re-sharded, types and values kept", async () => {
    const source = path.join(DATA, "flights-3m.parquet");
    const { conversion } = await convertFiles([dataFile(DATA, "flights-3m.parquet")], { maxShardSize: 60_000_000 });
    expect(featureMap(conversion.features)).toEqual({ date: "timestamp[us]", delay: "int64", distance: "int64", origin: "large_string", destination: "large_string" });
    const split = conversion.splits[0]!;
    expect(split.shards.length).toBe(Math.floor(split.numBytes / 60_000_000) + 1);
    const shards = split.shards.map((s) => sqlString(s.localPath)).join(", ");
    const summary = (from: string) =>
      query(`select count(*) n, sum(delay) d, sum(distance) km, count(distinct origin || destination) routes, min(date) earliest, max(date) latest, sum(hash(date, delay, origin)) h from ${from}`);
    expect(await summary(`read_parquet([${shards}])`)).toEqual(await summary(`read_parquet(${sqlString(source)})`));
    expect(await columnTypes(split.shards[0]!.localPath)).toEqual(await columnTypes(source));
  });
});
