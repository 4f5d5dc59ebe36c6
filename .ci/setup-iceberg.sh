#!/usr/bin/env bash
# Builds the Iceberg reader harness (integration/iceberg): org.apache.iceberg:iceberg-core,
# iceberg-data, iceberg-parquet, Parquet and the Hadoop client classes they need from Maven
# Central, Probe.java (reads the tables Weft writes, independently of Weft).
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/build-harness.sh" iceberg \
  "java -cp 'target/classes:target/dependency/*' dev.weft.iceberg.Probe count LOCATION"
