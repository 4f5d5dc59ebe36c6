#!/usr/bin/env bash
# The documented check that the JobManager's web page renders: runs a TPC-H join locally
# with the web UI on a fixed port, screenshots the page with headless Chromium while the
# job runs, and writes the PNG (default docs/web-ui.png). Installs chromium if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/web-ui.png}
port=${WEFT_UI_PORT:-18081}
command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
cargo build -j2 --workspace --all-targets
work=$(mktemp -d)
cat > "$work/ui.sql" <<SQL
SET 'parallelism.default' = '4';
CREATE TABLE orders WITH ('connector' = 'tpch', 'table' = 'orders', 'scale' = '3');
CREATE TABLE lineitem WITH ('connector' = 'tpch', 'table' = 'lineitem', 'scale' = '3');
CREATE TABLE out (p STRING, n BIGINT) WITH ('connector' = 'filesystem', 'path' = 'file://$work/out', 'format' = 'csv');
INSERT OVERWRITE out SELECT o_orderpriority, COUNT(*) FROM orders JOIN lineitem ON l_orderkey = o_orderkey GROUP BY o_orderpriority;
SQL
target/debug/weft run -f "$work/ui.sql" -D rest.port="$port" >"$work/run.log" 2>&1 &
job=$!
trap 'kill $job 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 5
chromium --headless --no-sandbox --disable-gpu --screenshot="$out" --window-size=1280,1000 \
  --virtual-time-budget=4000 "http://127.0.0.1:$port/" 2>/dev/null
echo "screenshot of the running job's page: $out"
