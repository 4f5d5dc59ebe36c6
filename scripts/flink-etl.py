#!/usr/bin/env python3
"""The Flink side of `weft bench etl`: runs a Flink SQL script in real Apache Flink (PyPI's
apache-flink, batch mode) with the given parallelism, and prints how long its INSERT took.

Usage: flink-etl.py SCRIPT PARALLELISM

Statements end with `;` at the end of a line; every statement but the INSERT runs first
(DDL), then the INSERT is timed from submission to the end of the job (JVM and mini cluster
start-up are not counted, to be fair to Flink). Prints `FLINK_SECONDS <s>` on success; any
failure prints `FLINK_ERROR <first line of the root cause>` and exits 1.
"""
import sys
import time


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


def root_cause(e):
    lines = [l.strip() for l in str(e).splitlines() if l.strip()]
    causes = [l for l in lines if l.startswith("Caused by:")]
    return (causes[-1] if causes else (lines[0] if lines else repr(e)))[:400]


def main():
    script, parallelism = sys.argv[1], sys.argv[2]
    from pyflink.table import EnvironmentSettings, TableEnvironment

    t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    conf = t_env.get_config()
    conf.set("parallelism.default", parallelism)
    conf.set("table.exec.resource.default-parallelism", parallelism)
    with open(script) as f:
        stmts = statements(f.read())
    try:
        for s in stmts:
            if not s.lstrip().upper().startswith("INSERT"):
                t_env.execute_sql(s)
        for s in stmts:
            if s.lstrip().upper().startswith("INSERT"):
                started = time.monotonic()
                t_env.execute_sql(s).wait()
                print(f"FLINK_SECONDS {time.monotonic() - started:.3f}", flush=True)
    except Exception as e:  # noqa: BLE001 - reported to the bench as a failure
        print(f"FLINK_ERROR {root_cause(e)}", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
