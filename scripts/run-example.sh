#!/usr/bin/env bash
# Runs the example ETL job on the embedded default (one machine, no Hadoop): TPC-H data
# generated on the fly, joined and aggregated over two TaskManager processes, written as
# Hive-style partitioned Parquet under /tmp/weft-example.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "run-example.sh: cargo is required (https://rustup.rs)" >&2; exit 1; }
if ! command -v cmake >/dev/null || ! command -v c++ >/dev/null; then
  echo "run-example.sh: installing cmake and a C++ compiler (librdkafka is built from source)"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq cmake g++ make >/dev/null
fi
cargo run -q -j2 --bin weft -- run -f examples/revenue_by_priority.sql "$@"
