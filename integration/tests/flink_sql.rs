//! Flink's SQL through the real engine: cases recorded from Apache Flink
//! (`flink-sql/conformance/expected/*.jsonl`) run as one `weft run` job — planned by the
//! client, their Flink UDFs decoded and run in TaskManager processes — and the rows written
//! must be Flink's. Plus the DDL forms Flink accepts: computed columns, `LIKE`, a `'path'`
//! naming one file, and `SHOW TABLES` / `DESCRIBE`.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use weft_connectors::filesystem::csv_write::text_field;
use weft_connectors::filesystem::options::CsvOptions;
use weft_integration::local_job::{run_local, text};
use weft_integration::tpch::read_csv_dir;

/// The recorded case at `line` of a family: its SQL and Flink's rows (as CSV lines).
fn recorded(family: &str, line: u64) -> (String, Vec<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../flink-sql/conformance/expected")
        .join(format!("{family}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap();
    for l in text.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        if v["line"].as_u64() == Some(line) {
            assert!(
                v.get("error").is_none(),
                "{family}:{line} is a failing case in Flink"
            );
            return (v["sql"].as_str().unwrap().to_string(), csv_lines(&v, ""));
        }
    }
    panic!("no case at {family}:{line}");
}

/// A recorded case's rows as CSV lines, NULL written as `null`.
fn csv_lines(case: &Value, null: &str) -> Vec<String> {
    case["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|c| csv_field(c.as_str().unwrap_or(null)))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

/// A STRING value as the CSV sink writes it (Flink's quoting).
fn csv_field(s: &str) -> String {
    text_field(s, &CsvOptions::default())
}

fn columns_of(sql: &str, family: &str, line: u64) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../flink-sql/conformance/expected")
        .join(format!("{family}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap();
    for l in text.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        if v["line"].as_u64() == Some(line) && v["sql"].as_str() == Some(sql) {
            return v["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c[0].as_str().unwrap().to_string())
                .collect();
        }
    }
    unreachable!()
}

/// A STRING sink's columns for `names` (`c0 STRING, …`) and the SELECT list writing each
/// name through `text` (`{}` is the column).
fn as_text(names: &[String], text: &str) -> (String, String) {
    let cols = (0..names.len())
        .map(|c| format!("c{c} STRING"))
        .collect::<Vec<_>>()
        .join(", ");
    let exprs = names
        .iter()
        .map(|n| text.replace("{}", n))
        .collect::<Vec<_>>()
        .join(", ");
    (cols, exprs)
}

#[test]
fn recorded_flink_cases_give_flinks_rows_through_the_engine() {
    // IF / MOD, CONCAT and ||, INTERSECT-free cases whose functions are Weft UDFs, the
    // cast-to-string text of booleans, SHA256 as hex text; BITMAP and structured values,
    // DECIMAL division and lateral UNNEST.
    let cases = [
        ("issue_examples", 2),
        ("issue_examples", 5),
        ("issue_examples", 12),
        ("issue_examples", 15),
        // BITMAP values through a grouped (two-phase) aggregation and a shuffle
        ("bitmap", 96),
        ("bitmap", 105),
        // MULTISET in Flink's HashMap order after a two-phase aggregation
        ("aggregate", 145),
        ("aggregate", 152),
        // structured values, DECIMAL division, lateral UNNEST (plain, LEFT, ordinality)
        ("structured", 12),
        ("math", 30),
        ("collection", 175),
        ("collection", 180),
        ("collection", 181),
        ("collection", 183),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut script = String::new();
    let mut expected = Vec::new();
    for (i, (family, line)) in cases.iter().enumerate() {
        let (sql, rows) = recorded(family, *line);
        let names = columns_of(&sql, family, *line);
        let out = dir.path().join(format!("out{i}"));
        let (cols, casts) = as_text(&names, "CAST(`{}` AS STRING)");
        script.push_str(&format!(
            "CREATE TABLE out{i} ({cols}) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');\n",
            out.display()
        ));
        script.push_str(&format!(
            "INSERT INTO out{i} SELECT {casts} FROM ({sql});\n"
        ));
        expected.push((out, rows, format!("{family}:{line}")));
    }
    let o = run_local(dir.path(), "flink.sql", &script);
    assert!(o.status.success(), "weft run failed:\n{}", text(&o));
    for (out, mut want, id) in expected {
        let mut got = read_csv_dir(&out).unwrap();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{id}: Weft's rows differ from Flink's");
    }
}

#[test]
fn computed_columns_like_and_single_file_paths() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("orders.csv");
    std::fs::write(&input, "1,2.5,4\n2,1.0,3\n").unwrap();
    let out = dir.path().join("out");
    let script = format!(
        "CREATE TABLE orders (id INT, price DOUBLE, qty INT, total AS price * qty) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');\n\
         CREATE TABLE out WITH ('path' = '{}') LIKE orders (EXCLUDING GENERATED OVERWRITING OPTIONS);\n\
         INSERT INTO out SELECT id, total, qty FROM orders;\n",
        input.display(),
        out.display()
    );
    let o = run_local(dir.path(), "ddl.sql", &script);
    assert!(o.status.success(), "weft run failed:\n{}", text(&o));
    let mut got = read_csv_dir(&out).unwrap();
    got.sort();
    assert_eq!(got, ["1,10.0,4", "2,3.0,3"]);
}

#[test]
fn show_tables_and_describe_print_rows() {
    let dir = tempfile::tempdir().unwrap();
    let ddl = "CREATE TABLE orders (id INT NOT NULL, price DOUBLE, total AS price * 2, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'datagen', 'number-of-rows' = '1');\n";
    let o = run_local(dir.path(), "show.sql", &format!("{ddl}SHOW TABLES;\n"));
    let out = text(&o);
    assert!(o.status.success(), "weft run failed:\n{out}");
    for needle in ["table name", "orders"] {
        assert!(
            out.contains(needle),
            "SHOW TABLES should show {needle:?}:\n{out}"
        );
    }
    let o = run_local(
        dir.path(),
        "describe.sql",
        &format!("{ddl}DESCRIBE orders;\n"),
    );
    let out = text(&o);
    assert!(o.status.success(), "weft run failed:\n{out}");
    for needle in ["PRI(id)", "AS price * 2", "DOUBLE", "extras"] {
        assert!(
            out.contains(needle),
            "DESCRIBE should show {needle:?}:\n{out}"
        );
    }
}

/// `'csv.ignore-parse-errors' = 'true'` reads a CSV file as Flink 2.3 does: a field Flink's
/// reader cannot read is NULL (empty, `x` for an INT, `2024-13-01`, ` 3.5 ` for a DECIMAL),
/// missing trailing fields are NULL, a row with too many fields is skipped. The expected rows
/// are Flink's (`integration/fixtures/flink/csv.jsonl`, recorded from `csv.sql`).
/// The fixture `csv.sql`'s `CREATE TABLE <table> …` and what Flink answered for
/// `SELECT * FROM <table>` (`csv.jsonl`).
fn recorded_csv_table(table: &str) -> (String, Value) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/flink");
    let ddl = std::fs::read_to_string(fixtures.join("csv.sql"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with(&format!("CREATE TABLE {table} (")))
        .expect("the table's DDL")
        .replace("${DIR}", &fixtures.display().to_string());
    let recorded = std::fs::read_to_string(fixtures.join("csv.jsonl")).unwrap();
    let select: Value = recorded
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["sql"] == format!("SELECT * FROM {table}"))
        .expect("the recorded SELECT");
    (ddl, select)
}

/// Runs `ddl` and copies the table, every column as text (NULL as `<null>`), to a CSV sink.
fn weft_reads_table(dir: &Path, ddl: &str, table: &str, select: &Value) -> (Output, PathBuf) {
    let columns: Vec<String> = select["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[0].as_str().unwrap().to_string())
        .collect();
    let out = dir.join(format!("out_{table}"));
    let (sink_cols, texts) = as_text(&columns, "COALESCE(CAST(`{}` AS STRING), '<null>')");
    let script = format!(
        "{ddl}\n\
         CREATE TABLE out_t ({sink_cols}) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');\n\
         INSERT INTO out_t SELECT {texts} FROM {table};\n",
        out.display()
    );
    (run_local(dir, &format!("{table}.sql"), &script), out)
}

#[test]
fn csv_ignore_parse_errors_reads_what_flink_reads() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/flink");
    let (ddl, select) = recorded_csv_table("bad_rows");
    let mut want: Vec<String> = csv_lines(&select, "<null>");
    assert!(want.len() >= 8, "{want:?}");
    // an empty field is '' / FALSE, a missing one NULL
    assert!(
        want.iter()
            .any(|r| r == "<null>,,<null>,FALSE,<null>,<null>,<null>"),
        "{want:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let (o, out) = weft_reads_table(dir.path(), &ddl, "bad_rows", &select);
    assert!(o.status.success(), "weft run failed:\n{}", text(&o));
    let mut got = read_csv_dir(&out).unwrap();
    got.sort();
    want.sort();
    assert_eq!(got, want, "Weft's rows differ from Flink's");
    let script = std::fs::read_to_string(dir.path().join("bad_rows.sql")).unwrap();

    // Without the option the same file fails the job with one sentence saying what to do.
    let strict = script.replace(", 'csv.ignore-parse-errors' = 'true'", "");
    let o = run_local(dir.path(), "strict.sql", &strict);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("a CSV input file could not be read"), "{t}");
    assert!(t.contains("'csv.ignore-parse-errors' = 'true'"), "{t}");
    assert!(!t.contains("internal error"), "{t}");

    // A column type the readers do not have is refused at planning, by name.
    let refused = format!(
        "CREATE TABLE t (a MAP<STRING, INT>) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv', 'csv.ignore-parse-errors' = 'true');\nSELECT * FROM t;\n",
        fixtures.join("bad_rows.csv").display()
    );
    let o = run_local(dir.path(), "refused.sql", &refused);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("cannot read column `a` of type MAP<STRING, INT>"),
        "{}",
        text(&o)
    );
}

#[test]
fn csv_empty_fields_read_as_flink_reads_them() {
    // Without 'csv.ignore-parse-errors': '' for a STRING, FALSE for a BOOLEAN (quoted or not)
    let (ddl, select) = recorded_csv_table("empty_fields");
    let mut want = csv_lines(&select, "<null>");
    assert!(want.iter().any(|r| r == "2,,FALSE"), "{want:?}");
    let dir = tempfile::tempdir().unwrap();
    let (o, out) = weft_reads_table(dir.path(), &ddl, "empty_fields", &select);
    assert!(o.status.success(), "weft run failed:\n{}", text(&o));
    let mut got = read_csv_dir(&out).unwrap();
    got.sort();
    want.sort();
    assert_eq!(got, want, "Weft's rows differ from Flink's");

    // ... and Flink fails the job on an empty INT field: so does Weft, naming the column
    let (ddl, select) = recorded_csv_table("empty_int");
    assert_eq!(select["error"], "runtime", "{select}");
    let with_columns = serde_json::json!({"columns": [["id"], ["s"], ["b"]]});
    let (o, _) = weft_reads_table(dir.path(), &ddl, "empty_int", &with_columns);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("an empty field for column `s` of table `empty_int`"),
        "{t}"
    );
    assert!(t.contains("'csv.null-literal' = ''"), "{t}");
}

/// How Flink 2.3 splits CSV files into rows and fields (`fixtures/flink/csv.sql`, the
/// `layout` cases): quotes, doubled quotes, CRLF, blank lines, comments, the escape
/// character, disabled quotes, lenient mode. Where Flink read rows, Weft reads the same
/// rows; where Flink failed the job, Weft fails it too, naming the file's line.
#[test]
fn csv_rows_and_fields_are_split_as_flink_splits_them() {
    let dir = tempfile::tempdir().unwrap();
    let read = [
        "comments_on",
        "escaped_on",
        "layout_lenient",
        "blank_lenient",
        "layout_null",
        "arr",
        "arr_lenient",
    ];
    for table in read {
        let (ddl, select) = recorded_csv_table(table);
        assert!(select.get("error").is_none(), "{table}: {select}");
        let mut want = csv_lines(&select, "<null>");
        let (o, out) = weft_reads_table(dir.path(), &ddl, table, &select);
        assert!(
            o.status.success(),
            "{table}: weft run failed:\n{}",
            text(&o)
        );
        let mut got = read_csv_dir(&out).unwrap();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{table}: Weft's rows differ from Flink's");
    }
    // (table, what Weft's message must say)
    let failed = [
        ("layout_s", "line 3 of "),
        ("short_s", "line 2 of "),
        ("long_s", "line 2 of "),
        ("blank_int", "line 2 of "),
        (
            "blank_str",
            "has 1 field where table `blank_str` has 2 columns",
        ),
        ("comments_off", "line 1 of "),
        ("escaped_off", "after a closing quote"),
        (
            "noquote",
            "has 4 fields where table `noquote` has 3 columns",
        ),
        ("escaped_lenient", "broken quoting"),
        ("arr_pipe", "cannot read '1;2;3' as ARRAY<INT>"),
    ];
    for (table, needle) in failed {
        let (ddl, select) = recorded_csv_table(table);
        assert_eq!(select["error"], "runtime", "{table}: {select}");
        let with_columns = serde_json::json!({"columns": [["id"], ["s"]]});
        let columns = if table.starts_with("blank_str") || table == "comments_off" {
            serde_json::json!({"columns": [["a"], ["b"]]})
        } else if table == "blank_int" {
            with_columns
        } else if table == "arr_pipe" {
            serde_json::json!({"columns": [["id"], ["a"], ["s"]]})
        } else {
            serde_json::json!({"columns": [["id"], ["s"], ["t"]]})
        };
        let (o, _) = weft_reads_table(dir.path(), &ddl, table, &columns);
        assert!(!o.status.success(), "{table}: Flink failed, Weft read it");
        let t = text(&o);
        assert!(
            t.contains("a CSV input file could not be read"),
            "{table}: {t}"
        );
        assert!(t.contains(needle), "{table}: no {needle:?} in {t}");
        assert!(!t.contains("internal error"), "{table}: {t}");
    }
}

#[test]
fn timestamp_columns_hold_their_declared_precision() {
    // TIMESTAMP(0) / (3) / (9) / TIMESTAMP read from CSV, as text: p fraction digits each
    let (ddl, select) = recorded_csv_table("ts_precision");
    let want = csv_lines(&select, "<null>");
    let dir = tempfile::tempdir().unwrap();
    let (o, out) = weft_reads_table(dir.path(), &ddl, "ts_precision", &select);
    assert!(o.status.success(), "weft run failed:\n{}", text(&o));
    assert_eq!(
        read_csv_dir(&out).unwrap(),
        want,
        "Weft's rows differ from Flink's"
    );
}

#[test]
fn csv_files_are_written_as_flink_writes_them() {
    // The same script Flink ran (fixtures/flink/csv_writer.sql): every sink's lines must be
    // the lines Flink's CSV format wrote (quoting by delimiter, DECIMAL / DOUBLE / temporal /
    // BYTES text, NULL literal)
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/flink");
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("csv_writer.json")).unwrap())
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let script = std::fs::read_to_string(fixtures.join("csv_writer.sql"))
        .unwrap()
        .replace("${OUT}", &out.display().to_string());
    let o = run_local(dir.path(), "csv_writer.sql", &script);
    assert!(o.status.success(), "weft run failed:\n{}", text(&o));
    let tables = recorded.as_object().unwrap();
    assert_eq!(tables.len(), 10);
    for (table, lines) in tables {
        let want: Vec<String> = lines
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect();
        let mut got = read_csv_dir(&out.join(table)).unwrap();
        got.sort();
        assert_eq!(got, want, "{table}: Weft's lines differ from Flink's");
    }
}

/// A family of cases recorded from Flink (`fixtures/flink/<family>.jsonl`) and the directory
/// its files were read from (the parent of its first table's 'path').
fn recorded_family(family: &str) -> (Vec<Value>, String) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/flink");
    let recorded: Vec<Value> = std::fs::read_to_string(fixtures.join(format!("{family}.jsonl")))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let first = recorded[0]["sql"].as_str().unwrap();
    let at = first.find("'path' = '").unwrap() + "'path' = '".len();
    let path = &first[at..at + first[at..].find('\'').unwrap()];
    let dir = path[..path.rfind('/').unwrap()]
        .trim_start_matches("file://")
        .to_string();
    (recorded, dir)
}

/// Runs every CREATE TABLE and SELECT of `recorded` that Flink ran (`here` moves its paths)
/// in one job, each SELECT into a CSV sink as text, and checks Flink's rows; returns the
/// cases Flink failed, (line, SQL).
fn selects_give_flinks_rows(
    dir: &Path,
    recorded: &[Value],
    here: &dyn Fn(&str) -> String,
) -> Vec<(u64, String)> {
    let mut script = String::new();
    let mut expected = Vec::new();
    let mut refused = Vec::new();
    // tables only read by failing SELECTs are left out (Weft may refuse them at CREATE)
    let failing: Vec<String> = recorded
        .iter()
        .filter(|c| c.get("error").is_some())
        .filter_map(|c| {
            c["sql"]
                .as_str()?
                .strip_prefix("SELECT * FROM ")
                .map(str::to_string)
        })
        .collect();
    for case in recorded {
        let sql = here(case["sql"].as_str().unwrap());
        let line = case["line"].as_u64().unwrap();
        if case.get("error").is_some() {
            refused.push((line, sql));
            continue;
        }
        let only_failing = failing
            .iter()
            .any(|t| sql.starts_with(&format!("CREATE TABLE {t} (")));
        if only_failing {
            continue;
        }
        if sql.starts_with("CREATE TABLE") {
            script.push_str(&format!("{sql};\n"));
            continue;
        }
        let names: Vec<String> = case["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c[0].as_str().unwrap().to_string())
            .collect();
        let (cols, texts) = as_text(&names, "COALESCE(CAST(`{}` AS STRING), '<null>')");
        let out = dir.join(format!("out{line}"));
        script.push_str(&format!(
            "CREATE TABLE out{line} ({cols}) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');\nINSERT INTO out{line} SELECT {texts} FROM ({sql});\n",
            out.display()
        ));
        let want: Vec<String> = csv_lines(case, "<null>").iter().map(|r| here(r)).collect();
        expected.push((out, want, line));
    }
    assert!(!expected.is_empty());
    let o = run_local(dir, "recorded.sql", &script);
    assert!(o.status.success(), "weft run failed:\n{}", text(&o));
    for (out, mut want, line) in expected {
        let mut got = read_csv_dir(&out).unwrap();
        got.sort();
        want.sort();
        assert_eq!(
            got, want,
            "case at line {line}: Weft's rows differ from Flink's"
        );
    }
    refused
}

/// Flink's filesystem METADATA columns (`fixtures/flink/metadata.sql`, recorded from Flink
/// 2.3): `file.path`, `file.name`, `file.size` and `file.modification-time`, VIRTUAL or
/// not, keyed by FROM or by the column's name, cast to a declared type, read by a computed
/// column, filtered and grouped on; every SELECT runs in one job and must give Flink's rows.
/// What Flink refuses at planning (an unknown key, a key read twice, a persisted metadata
/// column in a sink) Weft refuses too, by name.
#[test]
fn filesystem_metadata_columns_read_what_flink_reads() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/flink");
    let dir = tempfile::tempdir().unwrap();
    // the files, with the modification time they had when Flink read them
    let data = dir.path().join("metadata");
    std::fs::create_dir(&data).unwrap();
    let mtime = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_714_979_289_123);
    for f in ["a.csv", "b.csv"] {
        std::fs::copy(fixtures.join("metadata").join(f), data.join(f)).unwrap();
        let file = std::fs::File::options()
            .write(true)
            .open(data.join(f))
            .unwrap();
        file.set_modified(mtime).unwrap();
    }
    let (recorded, recorded_dir) = recorded_family("metadata");
    let here = |s: &str| s.replace(&recorded_dir, &dir.path().display().to_string());
    let refused = selects_give_flinks_rows(dir.path(), &recorded, &here);
    assert!(refused.len() >= 4, "{refused:?}");

    // Flink's refusals, each run after the tables it needs
    let ddl = |table: &str| -> String {
        recorded
            .iter()
            .map(|c| here(c["sql"].as_str().unwrap()))
            .find(|s| s.starts_with(&format!("CREATE TABLE {table} (")))
            .unwrap()
    };
    let says = |script: String, needles: &[&str]| {
        let o = run_local(dir.path(), "refused.sql", &script);
        assert!(!o.status.success(), "{script}");
        let t = text(&o);
        for n in needles {
            assert!(t.contains(n), "{n:?} not in:\n{t}");
        }
        assert!(!t.contains("internal error"), "{t}");
    };
    says(
        format!("{};\nSELECT * FROM md_bad;\n", ddl("md_bad")),
        &[
            "invalid metadata key 'file.owner'",
            "file.modification-time",
        ],
    );
    says(
        format!("{};\n", ddl("md_twice")),
        &["both read metadata key 'file.name'"],
    );
    says(
        format!(
            "{};\nINSERT INTO md_keys SELECT 'x.csv', 9, 'z';\n",
            ddl("md_keys")
        ),
        &["METADATA column `file.name`", "VIRTUAL"],
    );
}

/// The lines of every visible file under `dir` (a JSON sink's output), unsorted.
fn json_lines(dir: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                let text = std::fs::read_to_string(&p).unwrap();
                lines.extend(
                    text.split('\n')
                        .filter(|l| !l.is_empty())
                        .map(str::to_string),
                );
            }
        }
    }
    lines
}

#[test]
fn json_files_are_written_as_flink_writes_them() {
    // The same script Flink ran (fixtures/flink/json_writer.sql): every sink's lines must be
    // the lines Flink's JSON format wrote (DECIMAL plain or not, DOUBLE / FLOAT with NaN,
    // temporal text in both standards, BYTES, escaping, nested ARRAY / MAP / ROW, NULL
    // fields kept or left out)
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/flink");
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("json_writer.json")).unwrap())
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let script = std::fs::read_to_string(fixtures.join("json_writer.sql"))
        .unwrap()
        .replace("${OUT}", &out.display().to_string());
    let o = run_local(dir.path(), "json_writer.sql", &script);
    assert!(o.status.success(), "weft run failed:\n{}", text(&o));
    let tables = recorded.as_object().unwrap();
    assert_eq!(tables.len(), 4);
    for (table, lines) in tables {
        let want: Vec<String> = lines
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect();
        let mut got = json_lines(&out.join(table));
        got.sort();
        assert_eq!(got, want, "{table}: Weft's lines differ from Flink's");
    }

    // Flink's option checks
    let bad = format!(
        "CREATE TABLE j (id INT) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json', 'json.timestamp-format.standard' = 'iso-8601');\nINSERT INTO j SELECT 1;\n",
        dir.path().join("bad").display()
    );
    let o = run_local(dir.path(), "bad.sql", &bad);
    assert!(!o.status.success());
    assert!(
        text(&o)
            .contains("unsupported value 'iso-8601' for option 'json.timestamp-format.standard'"),
        "{}",
        text(&o)
    );
}

/// Flink's json format read as Flink 2.3 reads it (`fixtures/flink/json.sql`): numbers in
/// strings and floats cut into INT, Java's BOOLEAN rule, DECIMAL rounded HALF_UP or NULL past
/// its precision, numbers and objects read into STRING as text, SQL / ISO-8601 timestamps,
/// blank lines, arrays of objects, case-sensitive names; with 'json.ignore-parse-errors' a
/// field that cannot be read is NULL and a line that is not an object is skipped, without it
/// the job fails naming the file's line and the column.
#[test]
fn json_files_are_read_as_flink_reads_them() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/flink");
    let dir = tempfile::tempdir().unwrap();
    let (recorded, recorded_dir) = recorded_family("json");
    let here = |s: &str| s.replace(&recorded_dir, &fixtures.display().to_string());
    let refused = selects_give_flinks_rows(dir.path(), &recorded, &here);
    assert_eq!(refused.len(), 5, "{refused:?}");
    let ddl = |table: &str| -> String {
        recorded
            .iter()
            .map(|c| here(c["sql"].as_str().unwrap()))
            .find(|s| s.starts_with(&format!("CREATE TABLE {table} (")))
            .unwrap()
    };
    // every column read, as Flink's SELECT * read them
    let fails = |table: &str, columns: &str, needles: &[&str]| {
        let out = dir.path().join(format!("fail_{table}"));
        let script = format!(
            "{};\nCREATE TABLE o ({columns}) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');\nINSERT INTO o SELECT * FROM {table};\n",
            ddl(table),
            out.display()
        );
        let o = run_local(dir.path(), "fails.sql", &script);
        assert!(!o.status.success(), "{table}");
        let t = text(&o);
        for n in needles {
            assert!(t.contains(n), "{table}: {n:?} not in:\n{t}");
        }
        assert!(!t.contains("internal error"), "{t}");
        assert!(
            !out.exists() || read_csv_dir(&out).unwrap().is_empty(),
            "{table}: rows written"
        );
    };
    // Flink fails on line 2's "x" for the INT column
    fails(
        "json_bad",
        "id INT, i INT, d DOUBLE, dt DATE",
        &[
            "line 2 of",
            "json_bad.json",
            "column `i`",
            "'json.ignore-parse-errors' = 'true'",
        ],
    );
    fails(
        "json_iso_as_sql",
        "id INT, ts TIMESTAMP(3)",
        &["line 1 of", "column `ts`"],
    );
    fails(
        "json_nested_bad",
        "id INT, a ARRAY<INT>, m MAP<STRING, INT>, r ROW<x INT>",
        &["line 1 of", "column `a`"],
    );
    // the array on line 6 holds objects without `i`
    fails(
        "json_missing",
        "id INT, i INT",
        &[
            "line 6 of",
            "no field `i`",
            "'json.fail-on-missing-field' = 'true'",
        ],
    );
    fails(
        "json_both",
        "id INT",
        &["'json.fail-on-missing-field' and 'json.ignore-parse-errors'"],
    );
}
