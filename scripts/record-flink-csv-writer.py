#!/usr/bin/env python3
"""Records what Flink's CSV (or JSON) format writes: runs integration/fixtures/flink/NAME.sql
(NAME = csv_writer by default, or json_writer) in real Apache Flink (PyPI's apache-flink,
batch mode, parallelism 1) and stores every sink's lines, sorted, in
integration/fixtures/flink/NAME.json ({"table": [line, ...]}).

Usage: JAVA_TOOL_OPTIONS=-XX:+UseSerialGC ~/.cache/weft-pyflink/bin/python \\
         scripts/record-flink-csv-writer.py [NAME]
"""
import json
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "integration", "fixtures", "flink")


def statements(text):
    out, buf = [], []
    for line in text.splitlines():
        if not buf and (not line.strip() or line.strip().startswith("--")):
            continue
        buf.append(line)
        if line.rstrip().endswith(";"):
            out.append("\n".join(buf).rstrip().rstrip(";"))
            buf = []
    return out


def main():
    from pyflink.table import EnvironmentSettings, TableEnvironment

    t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    t_env.get_config().set("parallelism.default", "1")
    name = sys.argv[1] if len(sys.argv) > 1 else "csv_writer"
    out = tempfile.mkdtemp(prefix=f"flink-{name}-")
    text = open(os.path.join(FIXTURES, f"{name}.sql"), encoding="utf-8").read()
    tables = []
    for sql in statements(text.replace("${OUT}", out)):
        m = re.match(r"INSERT INTO (\w+)", sql)
        if m:
            t_env.execute_sql(sql).wait()
            tables.append(m.group(1))
        else:
            t_env.execute_sql(sql)
    result = {}
    for table in tables:
        lines = []
        for root, _, files in os.walk(os.path.join(out, table)):
            for f in sorted(files):
                if f.startswith(".") or f.startswith("_"):
                    continue
                with open(os.path.join(root, f), encoding="utf-8", newline="") as fh:
                    lines.extend(fh.read().split("\n")[:-1])
        result[table] = sorted(lines)
    path = os.path.join(FIXTURES, f"{name}.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    print(f"{sum(len(v) for v in result.values())} lines of {len(result)} tables -> {path}")


if __name__ == "__main__":
    main()
