//! Hadoop configuration, found the way Hadoop's tools find it: `core-site.xml` and
//! `yarn-site.xml` in `YARN_CONF_DIR` / `HADOOP_CONF_DIR` (else `$HADOOP_HOME/etc/hadoop`).
//! Every value remembers the file it came from, so errors can name it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use quick_xml::events::Event;

use crate::error::{Result, YarnError};

const SITE_FILES: &[&str] = &["core-site.xml", "yarn-site.xml"];

/// One property value and the file that set it.
#[derive(Clone, Debug)]
pub struct Property {
    pub value: String,
    pub source: PathBuf,
}

/// The loaded configuration.
#[derive(Clone, Debug, Default)]
pub struct HadoopConf {
    props: HashMap<String, Property>,
    /// Directories searched, in order, for messages.
    pub dirs: Vec<PathBuf>,
    /// Site files actually read.
    pub files: Vec<PathBuf>,
}

/// The ResourceManager services a client talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RmService {
    /// ApplicationClientProtocol: `yarn.resourcemanager.address`, default port 8032.
    Client,
    /// ApplicationMasterProtocol: `yarn.resourcemanager.scheduler.address`, default port 8030.
    Scheduler,
    /// Web UI / REST: `yarn.resourcemanager.webapp.address`, default port 8088.
    Webapp,
}

impl RmService {
    pub fn key(self) -> &'static str {
        match self {
            RmService::Client => "yarn.resourcemanager.address",
            RmService::Scheduler => "yarn.resourcemanager.scheduler.address",
            RmService::Webapp => "yarn.resourcemanager.webapp.address",
        }
    }
    fn default_port(self) -> u16 {
        match self {
            RmService::Client => 8032,
            RmService::Scheduler => 8030,
            RmService::Webapp => 8088,
        }
    }
}

/// One address to try, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The HA rm-id, when RM HA is enabled.
    pub rm_id: Option<String>,
    /// host:port
    pub addr: String,
    /// e.g. "yarn.resourcemanager.address in /etc/hadoop/conf/yarn-site.xml"
    pub source: String,
}

impl HadoopConf {
    /// Loads from `YARN_CONF_DIR` and `HADOOP_CONF_DIR` (else `$HADOOP_HOME/etc/hadoop`).
    pub fn load_from_env() -> Result<HadoopConf> {
        HadoopConf::load_dirs(&HadoopConf::dirs_from_env())
    }

    /// The configuration directories Hadoop's tools read: `HADOOP_CONF_DIR` and
    /// `YARN_CONF_DIR`, else `$HADOOP_HOME/etc/hadoop`; empty when none is set.
    pub fn dirs_from_env() -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        for var in ["HADOOP_CONF_DIR", "YARN_CONF_DIR"] {
            if let Some(d) = std::env::var_os(var).filter(|d| !d.is_empty()) {
                let d = PathBuf::from(d);
                if !dirs.contains(&d) {
                    dirs.push(d);
                }
            }
        }
        if dirs.is_empty()
            && let Some(home) = std::env::var_os("HADOOP_HOME")
        {
            dirs.push(PathBuf::from(home).join("etc/hadoop"));
        }
        dirs
    }

    /// Loads the site files of the given directories; later files override earlier ones.
    pub fn load_dirs(dirs: &[PathBuf]) -> Result<HadoopConf> {
        let mut conf = HadoopConf {
            dirs: dirs.to_vec(),
            ..Default::default()
        };
        for name in SITE_FILES {
            for dir in dirs {
                let path = dir.join(name);
                if path.is_file() {
                    conf.load_file(&path)?;
                }
            }
        }
        Ok(conf)
    }

    /// Parses one `*-site.xml` file into this configuration.
    pub fn load_file(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| YarnError::Config {
            path: path.to_path_buf(),
            problem: e.to_string(),
        })?;
        for (name, value) in parse_site_xml(&text).map_err(|problem| YarnError::Config {
            path: path.to_path_buf(),
            problem,
        })? {
            self.props.insert(
                name,
                Property {
                    value,
                    source: path.to_path_buf(),
                },
            );
        }
        self.files.push(path.to_path_buf());
        Ok(())
    }

    /// Sets a value by hand (tests, `-D` overrides).
    pub fn set(&mut self, key: &str, value: &str, source: &Path) {
        self.props.insert(
            key.to_string(),
            Property {
                value: value.to_string(),
                source: source.to_path_buf(),
            },
        );
    }

    /// The raw property, without `${var}` expansion.
    pub fn property(&self, key: &str) -> Option<&Property> {
        self.props.get(key)
    }

    /// The value with `${other.key}` references expanded (as Hadoop's Configuration does).
    pub fn get(&self, key: &str) -> Option<String> {
        self.props.get(key).map(|p| self.expand(&p.value, 0))
    }

    fn expand(&self, value: &str, depth: usize) -> String {
        if depth > 20 || !value.contains("${") {
            return value.to_string();
        }
        let mut out = String::new();
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let var = &rest[start + 2..start + end];
            match self.props.get(var) {
                Some(p) => out.push_str(&self.expand(&p.value, depth + 1)),
                None => match std::env::var(var.strip_prefix("env.").unwrap_or("\u{0}")) {
                    Ok(v) => out.push_str(&v),
                    Err(_) => out.push_str(&rest[start..start + end + 1]),
                },
            }
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// An unsigned number, or an error naming the file that holds a malformed one.
    pub fn get_u64(&self, key: &str) -> Result<Option<u64>> {
        let Some(p) = self.props.get(key) else {
            return Ok(None);
        };
        let v = self.expand(&p.value, 0);
        v.trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| YarnError::Config {
                path: p.source.clone(),
                problem: format!("{key} must be a non-negative number, found {v:?}"),
            })
    }

    pub fn get_bool(&self, key: &str) -> bool {
        self.get(key)
            .map(|v| v.trim().eq_ignore_ascii_case("true"))
            .unwrap_or(false)
    }

    /// "KEY in FILE", or a note that no site file sets it.
    pub fn describe_source(&self, key: &str) -> String {
        match self.props.get(key) {
            Some(p) => format!("{key} in {}", p.source.display()),
            None => format!("{key} is not set in {}; using the default", self.searched()),
        }
    }

    fn searched(&self) -> String {
        if self.dirs.is_empty() {
            "any site file (HADOOP_CONF_DIR and YARN_CONF_DIR are unset)".to_string()
        } else {
            let d: Vec<String> = self
                .dirs
                .iter()
                .map(|d| format!("{}/yarn-site.xml", d.display()))
                .collect();
            d.join(" or ")
        }
    }

    /// `fs.defaultFS` (default `file:///`).
    pub fn default_fs(&self) -> String {
        self.get("fs.defaultFS")
            .unwrap_or_else(|| "file:///".to_string())
    }

    /// The addresses of a ResourceManager service, in failover order: one without HA, one
    /// per `yarn.resourcemanager.ha.rm-ids` entry with HA.
    pub fn rm_endpoints(&self, service: RmService) -> Result<Vec<Endpoint>> {
        let key = service.key();
        if !self.get_bool("yarn.resourcemanager.ha.enabled") {
            return Ok(vec![self.endpoint(
                service,
                key,
                "yarn.resourcemanager.hostname",
                None,
            )?]);
        }
        let ids_key = "yarn.resourcemanager.ha.rm-ids";
        let ids: Vec<String> = self
            .get(ids_key)
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if ids.is_empty() {
            let p = self
                .property("yarn.resourcemanager.ha.enabled")
                .expect("ha.enabled is set");
            return Err(YarnError::Config {
                path: p.source.clone(),
                problem: format!("yarn.resourcemanager.ha.enabled is true but {ids_key} is empty"),
            });
        }
        ids.into_iter()
            .map(|id| {
                let k = format!("{key}.{id}");
                let host_key = format!("yarn.resourcemanager.hostname.{id}");
                if self.property(&k).is_none() && self.property(&host_key).is_none() {
                    return Err(YarnError::MissingConfig(format!(
                        "RM HA id {id:?} has neither {k} nor {host_key} ({})",
                        self.searched()
                    )));
                }
                self.endpoint(service, &k, &host_key, Some(id))
            })
            .collect()
    }

    fn endpoint(
        &self,
        service: RmService,
        key: &str,
        host_key: &str,
        rm_id: Option<String>,
    ) -> Result<Endpoint> {
        if let Some(p) = self.property(key) {
            let addr = self.expand(&p.value, 0).trim().to_string();
            check_host_port(&addr).map_err(|problem| YarnError::Config {
                path: p.source.clone(),
                problem: format!("{key}: {problem}"),
            })?;
            return Ok(Endpoint {
                rm_id,
                addr,
                source: format!("{key} in {}", p.source.display()),
            });
        }
        let port = service.default_port();
        let (host, source) = match self.property(host_key) {
            Some(p) => (
                self.expand(&p.value, 0).trim().to_string(),
                format!(
                    "{key} unset; {host_key} in {} with default port {port}",
                    p.source.display()
                ),
            ),
            None => (
                "0.0.0.0".to_string(),
                format!("{}; default 0.0.0.0:{port}", self.describe_source(key)),
            ),
        };
        Ok(Endpoint {
            rm_id,
            addr: format!("{host}:{port}"),
            source,
        })
    }
}

fn check_host_port(addr: &str) -> std::result::Result<(), String> {
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(()),
        _ => Err(format!("{addr:?} is not host:port")),
    }
}

/// The `<name>`/`<value>` pairs of a Hadoop `*-site.xml`; errors carry a line number.
pub fn parse_site_xml(text: &str) -> std::result::Result<Vec<(String, String)>, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let line_at = |pos: u64| text[..(pos as usize).min(text.len())].matches('\n').count() + 1;
    let mut out = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut name: Option<String> = None;
    let mut value: Option<String> = None;
    let mut text_buf = String::new();
    let mut saw_root = false;
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            format!(
                "line {}: malformed XML: {e}",
                line_at(reader.error_position().max(pos))
            )
        })?;
        match event {
            Event::Start(e) => {
                let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if path.is_empty() {
                    if tag != "configuration" {
                        return Err(format!(
                            "line {}: root element is <{tag}>, expected <configuration>",
                            line_at(pos)
                        ));
                    }
                    saw_root = true;
                }
                if tag == "property" {
                    name = None;
                    value = None;
                }
                text_buf.clear();
                path.push(tag);
            }
            Event::Text(t) => {
                let s = t
                    .decode()
                    .map_err(|e| format!("line {}: bad text: {e}", line_at(pos)))?;
                text_buf.push_str(&s);
            }
            Event::GeneralRef(r) => {
                let entity = String::from_utf8_lossy(&r).into_owned();
                let ch = match entity.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => {
                        return Err(format!("line {}: unknown entity &{other};", line_at(pos)));
                    }
                };
                text_buf.push_str(ch);
            }
            Event::CData(c) => text_buf.push_str(&String::from_utf8_lossy(&c)),
            Event::End(e) => {
                let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                path.pop();
                match tag.as_str() {
                    "name" => name = Some(text_buf.trim().to_string()),
                    "value" => value = Some(text_buf.clone()),
                    "property" => match name.take() {
                        Some(n) if !n.is_empty() => out.push((n, value.take().unwrap_or_default())),
                        _ => {
                            return Err(format!(
                                "line {}: <property> without a <name>",
                                line_at(pos)
                            ));
                        }
                    },
                    _ => {}
                }
                text_buf.clear();
            }
            Event::Empty(e) if path.is_empty() && e.name().as_ref() == b"configuration" => {
                saw_root = true;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() {
        return Err(format!(
            "unexpected end of file inside <{}>",
            path.join("><")
        ));
    }
    if !saw_root {
        return Err("no <configuration> element".into());
    }
    Ok(out)
}

/// The Hadoop user: `HADOOP_USER_NAME`, else the operating-system user.
pub fn current_user() -> String {
    if let Ok(u) = std::env::var("HADOOP_USER_NAME")
        && !u.is_empty()
    {
        return u;
    }
    os_user().unwrap_or_else(|| "weft".to_string())
}

fn os_user() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 2 && f[2].parse() == Ok(uid)).then(|| f[0].to_string())
        })
        .next()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    fn site(props: &[(&str, &str)]) -> String {
        let mut s = String::from("<?xml version=\"1.0\"?>\n<configuration>\n");
        for (k, v) in props {
            s.push_str(&format!(
                "  <property>\n    <name>{k}</name>\n    <value>{v}</value>\n  </property>\n"
            ));
        }
        s.push_str("</configuration>\n");
        s
    }

    #[test]
    fn reads_addresses_and_sources() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "core-site.xml",
            &site(&[("fs.defaultFS", "hdfs://nn:8020")]),
        );
        let yarn = write(
            dir.path(),
            "yarn-site.xml",
            &site(&[
                ("yarn.resourcemanager.hostname", "rm.example"),
                (
                    "yarn.resourcemanager.address",
                    "${yarn.resourcemanager.hostname}:9032",
                ),
            ]),
        );
        let conf = HadoopConf::load_dirs(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(conf.default_fs(), "hdfs://nn:8020");
        let ep = conf.rm_endpoints(RmService::Client).unwrap();
        assert_eq!(ep.len(), 1);
        assert_eq!(ep[0].addr, "rm.example:9032");
        assert!(ep[0].source.contains(&yarn.display().to_string()));
        let sched = conf.rm_endpoints(RmService::Scheduler).unwrap();
        assert_eq!(sched[0].addr, "rm.example:8030");
        assert!(sched[0].source.contains("yarn.resourcemanager.hostname"));
    }

    #[test]
    fn ha_lists_every_rm_in_order() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "yarn-site.xml",
            &site(&[
                ("yarn.resourcemanager.ha.enabled", "true"),
                ("yarn.resourcemanager.ha.rm-ids", "rm1, rm2"),
                ("yarn.resourcemanager.address.rm1", "a:8032"),
                ("yarn.resourcemanager.hostname.rm2", "b"),
            ]),
        );
        let conf = HadoopConf::load_dirs(&[dir.path().to_path_buf()]).unwrap();
        let ep = conf.rm_endpoints(RmService::Client).unwrap();
        let addrs: Vec<_> = ep
            .iter()
            .map(|e| (e.rm_id.clone().unwrap(), e.addr.clone()))
            .collect();
        assert_eq!(
            addrs,
            vec![
                ("rm1".into(), "a:8032".into()),
                ("rm2".into(), "b:8032".into())
            ]
        );
    }

    #[test]
    fn malformed_file_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "yarn-site.xml",
            "<configuration>\n<property>\n<name>a</name>\n<value>b</vaule>\n</property>\n</configuration>\n",
        );
        let err = HadoopConf::load_dirs(&[dir.path().to_path_buf()])
            .unwrap_err()
            .to_string();
        assert!(err.contains(&p.display().to_string()), "{err}");
        assert!(err.contains("line 4"), "{err}");
    }

    #[test]
    fn bad_address_names_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "yarn-site.xml",
            &site(&[("yarn.resourcemanager.address", "no-port-here")]),
        );
        let conf = HadoopConf::load_dirs(&[dir.path().to_path_buf()]).unwrap();
        let err = conf
            .rm_endpoints(RmService::Client)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&p.display().to_string()), "{err}");
        assert!(err.contains("yarn.resourcemanager.address"), "{err}");
    }

    #[test]
    fn missing_files_fall_back_to_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let conf = HadoopConf::load_dirs(&[dir.path().to_path_buf()]).unwrap();
        let ep = conf.rm_endpoints(RmService::Client).unwrap();
        assert_eq!(ep[0].addr, "0.0.0.0:8032");
        assert!(ep[0].source.contains("not set"), "{}", ep[0].source);
        assert_eq!(conf.default_fs(), "file:///");
    }

    #[test]
    fn entities_and_wrong_root() {
        let v = parse_site_xml("<configuration><property><name>k</name><value>a&amp;b</value></property></configuration>").unwrap();
        assert_eq!(v, vec![("k".into(), "a&b".into())]);
        let err = parse_site_xml("<conf/>\n").unwrap_err();
        assert!(err.contains("no <configuration>"), "{err}");
        let err = parse_site_xml("<x><y/></x>").unwrap_err();
        assert!(err.contains("expected <configuration>"), "{err}");
    }
}
