#!/usr/bin/env bash
# Runs the example ETL job on the embedded default (one machine, no Hadoop): TPC-H data
# generated on the fly, joined and aggregated over two TaskManager processes, written as
# Hive-style partitioned Parquet under /tmp/weft-example.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "run-example.sh: cargo is required (https://rustup.rs)" >&2; exit 1; }
cargo run -q -j2 --bin weft -- run -f examples/revenue_by_priority.sql "$@"
