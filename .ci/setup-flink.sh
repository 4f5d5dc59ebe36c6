#!/usr/bin/env bash
# Apache Flink's own CLI for the REST conformance test (integration/tests/flink_cli.rs):
# installs PyPI's apache-flink into a venv at ${WEFT_PYFLINK_VENV:-$HOME/.cache/weft-pyflink}
# if it is missing (the same venv scripts/record-flink-conformance.sh uses), then prints the
# path of Flink's `bin/flink` script inside it. Needs python3 with venv and, to run the
# CLI, Java 17.
set -euo pipefail
VENV="${WEFT_PYFLINK_VENV:-$HOME/.cache/weft-pyflink}"
FLINK_VERSION=2.3.0
if ! "$VENV/bin/python" -c "import pyflink" 2>/dev/null; then
  echo "setup-flink: installing apache-flink==$FLINK_VERSION into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "apache-flink==$FLINK_VERSION" >&2
fi
FLINK_BIN="$("$VENV/bin/python" -c 'import os, pyflink; print(os.path.join(os.path.dirname(pyflink.__file__), "bin", "flink"))')"
[[ -f "$FLINK_BIN" ]] || { echo "setup-flink: $FLINK_BIN is missing; remove $VENV and run again" >&2; exit 1; }
chmod +x "$FLINK_BIN"
echo "$FLINK_BIN"
