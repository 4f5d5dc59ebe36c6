//! The session properties file, as Flink's `yarn-session.sh` writes it:
//! `<yarn.properties-file.location>/.yarn-properties-<user>`, with the latest session's
//! `applicationID`. Weft adds each session's secret (`weft.secret.<applicationID>`), so the
//! file is written with mode 600: `-t yarn-session` clients of the same user read it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use weft_core::config::{self, Configuration};
use weft_core::security::ClusterSecret;
use weft_core::security::secret::{check_private, write_private};
use weft_yarn_client::ApplicationId;

const APPLICATION_ID: &str = "applicationID";
const SECRET_PREFIX: &str = "weft.secret.";

pub fn path(config: &Configuration) -> PathBuf {
    let dir = match config.get_string(config::YARN_PROPERTIES_FILE) {
        d if d.is_empty() => std::env::temp_dir(),
        d => PathBuf::from(d),
    };
    dir.join(format!(
        ".yarn-properties-{}",
        weft_yarn_client::conf::current_user()
    ))
}

/// `key=value` lines; `#` comments and blank lines skipped.
fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn render(entries: &BTreeMap<String, String>) -> String {
    let mut out = String::from("#Generated YARN properties file (Weft)\n");
    for (k, v) in entries {
        out.push_str(&format!("{k}={v}\n"));
    }
    out
}

/// The file after a new session started: it becomes the latest one, and earlier sessions'
/// secrets stay (their clients may still submit).
fn with_session(text: &str, id: ApplicationId, secret: &ClusterSecret) -> String {
    let mut entries = parse(text);
    entries.insert(APPLICATION_ID.into(), id.to_string());
    entries.insert(format!("{SECRET_PREFIX}{id}"), secret.as_str().into());
    render(&entries)
}

/// The file after session `id` ended: its secret goes, and if it was the latest session
/// `applicationID` goes too (Flink's `yarn-session.sh` removes the file on stop).
fn without_session(text: &str, id: ApplicationId) -> String {
    let mut entries = parse(text);
    entries.remove(&format!("{SECRET_PREFIX}{id}"));
    if entries.get(APPLICATION_ID) == Some(&id.to_string()) {
        entries.remove(APPLICATION_ID);
    }
    render(&entries)
}

/// Forgets an ended session (after `weft yarn kill`); a missing file is nothing to forget.
pub fn forget(config: &Configuration, id: ApplicationId) -> anyhow::Result<()> {
    let p = path(config);
    let Ok(old) = std::fs::read_to_string(&p) else {
        return Ok(());
    };
    if !parse(&old).contains_key(&format!("{SECRET_PREFIX}{id}")) {
        return Ok(());
    }
    write_private(&p, without_session(&old, id).as_bytes())?;
    Ok(())
}

/// Records a started session.
pub fn record(
    config: &Configuration,
    id: ApplicationId,
    secret: &ClusterSecret,
) -> anyhow::Result<()> {
    let p = path(config);
    let old = std::fs::read_to_string(&p).unwrap_or_default();
    write_private(&p, with_session(&old, id, secret).as_bytes())?;
    Ok(())
}

/// The latest session's id, for `-t yarn-session` without `yarn.application.id`.
pub fn latest_session(config: &Configuration) -> Option<ApplicationId> {
    let text = std::fs::read_to_string(path(config)).ok()?;
    parse(&text).get(APPLICATION_ID)?.parse().ok()
}

/// The secret of session `id`, or what to do.
pub fn secret_of(config: &Configuration, id: ApplicationId) -> anyhow::Result<ClusterSecret> {
    let p = path(config);
    let missing = || {
        anyhow::anyhow!(
            "no secret for session {id} in {}: submit from the account that started the session, or set yarn.properties-file.location to the directory of its properties file",
            p.display()
        )
    };
    let text = std::fs::read_to_string(&p).map_err(|_| missing())?;
    check_private(&p)?;
    let entries = parse(&text);
    let value = entries
        .get(&format!("{SECRET_PREFIX}{id}"))
        .ok_or_else(missing)?;
    Ok(ClusterSecret::parse(value, &p.display().to_string())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: i32) -> ApplicationId {
        format!("application_1700000000000_000{n}").parse().unwrap()
    }

    #[test]
    fn sessions_accumulate_and_the_latest_wins() {
        let (a, b) = (ClusterSecret::generate(), ClusterSecret::generate());
        let flink = "#Generated YARN properties file\ndynamicPropertiesString=\napplicationID=application_1_0001\n";
        let once = with_session(flink, id(1), &a);
        let twice = with_session(&once, id(2), &b);
        let e = parse(&twice);
        assert_eq!(e[APPLICATION_ID], id(2).to_string());
        assert_eq!(e[&format!("{SECRET_PREFIX}{}", id(1))], a.as_str());
        assert_eq!(e[&format!("{SECRET_PREFIX}{}", id(2))], b.as_str());
        // What Flink wrote stays.
        assert!(e.contains_key("dynamicPropertiesString"));
        // Killing the latest forgets it; the earlier session's secret stays.
        let after = parse(&without_session(&twice, id(2)));
        assert!(!after.contains_key(APPLICATION_ID));
        assert!(!after.contains_key(&format!("{SECRET_PREFIX}{}", id(2))));
        assert_eq!(after[&format!("{SECRET_PREFIX}{}", id(1))], a.as_str());
        // Killing an earlier one keeps the latest.
        let after = parse(&without_session(&twice, id(1)));
        assert_eq!(after[APPLICATION_ID], id(2).to_string());
    }

    #[test]
    fn the_file_is_private_and_names_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Configuration::new();
        config
            .set(
                config::YARN_PROPERTIES_FILE.key,
                &dir.path().to_string_lossy(),
            )
            .unwrap();
        let s = ClusterSecret::generate();
        record(&config, id(3), &s).unwrap();
        assert_eq!(latest_session(&config), Some(id(3)));
        assert_eq!(secret_of(&config, id(3)).unwrap(), s);
        let e = secret_of(&config, id(4)).unwrap_err().to_string();
        assert!(
            e.contains("no secret for session") && e.contains(".yarn-properties-"),
            "{e}"
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path(&config))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
}
