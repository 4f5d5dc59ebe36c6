#!/usr/bin/env python3
"""Record what real Apache Flink answers for every conformance case.

Reads `cases/<family>.sql` and writes `expected/<family>.jsonl`: one JSON object per case, in
file order. A case is one statement ending in `;` at the end of a line. `SET 'k' = 'v';`
lines set Flink's table config for the cases after them in the same file; `--` lines are
comments, except `-- function: NAME`, which names the Flink function (as `SHOW FUNCTIONS`
lists it) that the cases after it test. Every value is rendered by Flink itself (the same converter its `print()` uses,
which is its CAST-to-STRING text), NULL as JSON null; column names and types come from the
result's resolved schema. A failing case records where it failed (planning or runtime) and
the root cause's first line.

Run it through `scripts/record-flink-conformance.sh`, which installs PyFlink. The Rust test
`flink-sql/tests/conformance.rs` checks Weft against the recorded files without a JVM.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


FUNCTION_RE = re.compile(r"^--\s*function:\s*(.+?)\s*$")


def split_cases(text):
    """Statements of a case file: (line, function, sql), comments dropped. A comment
    `-- function: NAME` names the Flink function (as SHOW FUNCTIONS lists it) that the
    cases after it test."""
    out, buf, start, function = [], [], None, None
    for no, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        m = FUNCTION_RE.match(stripped)
        if not buf and m:
            function = m.group(1)
            continue
        if not buf and (not stripped or stripped.startswith("--")):
            continue
        if start is None:
            start = no
        buf.append(line)
        if stripped.endswith(";"):
            sql = "\n".join(buf).strip()
            out.append((start, function, sql[:-1].rstrip()))
            buf, start = [], None
    if buf:
        raise SystemExit(f"unterminated statement at line {start}: add a ';'")
    return out


SET_RE = re.compile(r"^SET\s+'([^']+)'\s*=\s*'([^']*)'$", re.I | re.S)


def root_cause(e):
    lines = [l.strip() for l in str(e).splitlines()]
    causes = [l for l in lines if l.startswith("Caused by:") or l.startswith(": ")]
    last = causes[-1] if causes else (lines[0] if lines else repr(e))
    return last.removeprefix("Caused by:").removeprefix(": ").strip()[:400]


def run_case(t_env, sql):
    try:
        result = t_env.execute_sql(sql)
    except Exception as e:  # planning: parse / validation
        return {"error": "planning", "message": root_cause(e)}
    jr = result._j_table_result
    cols = [[c.getName(), c.getDataType().toString()] for c in jr.getResolvedSchema().getColumns()]
    rows = []
    try:
        conv = jr.getRowDataToStringConverter()
        it = jr.collectInternal()
        while it.hasNext():
            rd = it.next()
            text = conv.convert(rd)
            rows.append([None if rd.isNullAt(i) else text[i] for i in range(len(cols))])
    except Exception as e:
        return {"error": "runtime", "message": root_cause(e)}
    return {"columns": cols, "rows": rows}


def main():
    from pyflink.table import EnvironmentSettings, TableEnvironment

    # Other suites (integration/fixtures/flink) keep their cases and expectations elsewhere;
    # `${DIR}` in their SQL is the cases directory (for files the cases read).
    cases_dir = os.environ.get("WEFT_RECORD_CASES", os.path.join(HERE, "cases"))
    out_dir = os.environ.get("WEFT_RECORD_OUT", os.path.join(HERE, "expected"))
    families = sys.argv[1:] or sorted(
        f[:-4] for f in os.listdir(cases_dir) if f.endswith(".sql")
    )
    for family in families:
        t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
        conf = t_env.get_config()
        conf.set("parallelism.default", "1")
        conf.set("table.local-time-zone", "UTC")
        settings = {}
        with open(os.path.join(cases_dir, family + ".sql")) as f:
            cases = split_cases(f.read().replace("${DIR}", os.path.abspath(cases_dir)))
        out = []
        for line, function, sql in cases:
            m = SET_RE.match(sql)
            if m:
                conf.set(m.group(1), m.group(2))
                settings[m.group(1)] = m.group(2)
                continue
            rec = {"line": line, "sql": sql}
            if function:
                rec["function"] = function
            if settings:
                rec["set"] = dict(settings)
            rec.update(run_case(t_env, sql))
            out.append(rec)
            status = rec.get("error", "ok")
            print(f"{family}:{line}: {status}", file=sys.stderr)
        path = os.path.join(out_dir, family + ".jsonl")
        with open(path, "w") as f:
            for rec in out:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        print(f"{family}: {len(out)} cases -> {os.path.relpath(path, HERE)}", file=sys.stderr)


if __name__ == "__main__":
    main()
