#!/usr/bin/env python3
"""DuckDB baseline for `weft bench tpch`: the same TPC-H queries over the same Parquet files.

Reads one JSON object on stdin:
  {"data_dir": "...", "threads": 2, "iterations": 1, "queries": [{"query": 1, "sql": "..."}]}
and prints one JSON line per query: {"query": 1, "secs": 0.12, "rows": 4} (the fastest of
`iterations` warm runs, after one warm-up), or {"query": 1, "error": "..."}.
"""
import json
import sys
import time

import duckdb

TABLES = ["customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"]


def main():
    job = json.load(sys.stdin)
    con = duckdb.connect()
    con.execute(f"SET threads = {int(job['threads'])}")
    for t in TABLES:
        path = f"{job['data_dir']}/{t}/*.parquet".replace("'", "''")
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{path}')")
    iterations = max(1, int(job.get("iterations", 1)))
    for q in job["queries"]:
        try:
            con.execute(q["sql"]).fetchall()
            best, rows = None, 0
            for _ in range(iterations):
                start = time.perf_counter()
                rows = len(con.execute(q["sql"]).fetchall())
                took = time.perf_counter() - start
                best = took if best is None or took < best else best
            out = {"query": q["query"], "secs": best, "rows": rows}
        except Exception as e:  # the bench reports it as this query's failure
            out = {"query": q["query"], "error": str(e).splitlines()[0]}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
