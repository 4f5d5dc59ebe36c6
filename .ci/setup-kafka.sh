#!/usr/bin/env bash
# Builds the Kafka test broker harness (integration/kafka): org.apache.kafka:kafka_2.13 (KRaft
# broker + controller) and its dependencies from Maven Central, Main.java / Probe.java.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/build-harness.sh" kafka \
  "java -cp 'target/classes:target/dependency/*' dev.weft.kafka.Main WORK_DIR [PORT]"
