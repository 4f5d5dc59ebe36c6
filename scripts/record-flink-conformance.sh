#!/usr/bin/env bash
# Re-record the Flink SQL conformance expectations from real Apache Flink (PyPI's
# apache-flink, batch mode, Java 17): flink-sql/conformance/cases/*.sql ->
# flink-sql/conformance/expected/*.jsonl. Pass family names to record only those.
# The tests (flink-sql/tests/conformance.rs) read the recorded files; they need no JVM.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${WEFT_PYFLINK_VENV:-$HOME/.cache/weft-pyflink}"
FLINK_VERSION=2.3.0
if ! "$VENV/bin/python" -c "import pyflink" 2>/dev/null; then
  echo "record-flink-conformance: installing apache-flink==$FLINK_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "apache-flink==$FLINK_VERSION"
fi
command -v java >/dev/null || { echo "record-flink-conformance: Java 17 is required" >&2; exit 1; }
# A small heap: the cases are tiny, and several recordings may run side by side.
export JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:--Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
"$VENV/bin/python" flink-sql/conformance/record.py "$@" 2> >(grep -v -E '^(WARNING|SLF4J|Picked up JAVA_TOOL_OPTIONS)' >&2)
