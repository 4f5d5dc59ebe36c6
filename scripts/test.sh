#!/usr/bin/env bash
# The test command. On a fresh machine it first installs what the tests need:
#   - a JDK 17 and Maven (apt) for the Java test servers, whose Maven artifacts it fetches
#     and builds: the Hadoop mini cluster (.ci/setup-minicluster.sh), a Hive Metastore
#     (.ci/setup-metastore.sh), a Kafka broker (.ci/setup-kafka.sh) and the Apache Iceberg
#     Java library, which reads back the Iceberg tables Weft writes (.ci/setup-iceberg.sh);
#   - Apache Flink 2.3's CLI from PyPI (.ci/setup-flink.sh), which lists and cancels a Weft
#     job through the REST API;
#   - the `weft` binary, which the end-to-end tests run as real processes.
# Then it runs every test of the workspace: unit tests, the end-to-end engine tests, TPC-H
# against DataFusion, and the YARN client against the real mini cluster.
# `WEFT_TEST_PACKAGES` narrows the run to some packages (e.g. "weft-core weft-connectors").
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "test.sh: cargo is required (https://rustup.rs)" >&2; exit 1; }

if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
  echo "test.sh: installing a JDK and Maven (needed by the Java test servers)"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
fi
# librdkafka is compiled from source by the rdkafka crate: it needs cmake and a C/C++ compiler.
if ! command -v cmake >/dev/null || ! command -v c++ >/dev/null; then
  echo "test.sh: installing cmake and a C++ compiler (librdkafka is built from source)"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq cmake g++ make >/dev/null
fi
bash .ci/setup-minicluster.sh
bash .ci/setup-metastore.sh
bash .ci/setup-kafka.sh
bash .ci/setup-iceberg.sh
bash .ci/setup-flink.sh >/dev/null

# One build for every target (one feature set: DataFusion is compiled once).
cargo build -j2 --workspace --all-targets

args=(--workspace)
if [[ -n "${WEFT_TEST_PACKAGES:-}" ]]; then
  args=()
  for p in $WEFT_TEST_PACKAGES; do args+=(-p "$p"); done
fi
cargo test -j2 "${args[@]}" --all-targets --no-fail-fast
