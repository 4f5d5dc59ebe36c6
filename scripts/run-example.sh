#!/usr/bin/env bash
# Runs the example ETL job on the embedded default (one machine, no Hadoop): TPC-H data
# generated on the fly, joined and aggregated over two TaskManager processes, written as
# Hive-style partitioned Parquet under /tmp/weft-example.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -j2 --workspace --bins
target/debug/weft run -f examples/revenue_by_priority.sql "$@"
