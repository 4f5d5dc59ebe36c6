#!/usr/bin/env bash
# Builds the Hive Metastore harness (integration/metastore): org.apache.hive:
# hive-standalone-metastore (3.1.3), the Hadoop client jars it calls and Derby from Maven
# Central, Main.java / Probe.java.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/build-harness.sh" metastore \
  "java -cp 'target/classes:target/dependency/*' dev.weft.metastore.Main WORK_DIR"
