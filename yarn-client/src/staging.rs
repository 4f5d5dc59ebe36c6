//! The application's staging directory on HDFS, `/user/<user>/.weft/<appId>/`: the client
//! uploads the `weft` binary, the job's script and the Hadoop configuration there, and YARN
//! localizes them into every container as [`LocalResourceProto`]s (which must carry the
//! file's exact HDFS size and modification time). Removed when the application ends.

use std::path::Path;

use hdfs_native::{Client, ClientBuilder, WriteOptions};
use tokio::io::AsyncReadExt;

use crate::error::{Result, YarnError};
use crate::proto::yarn::{
    LocalResourceProto, LocalResourceTypeProto, LocalResourceVisibilityProto,
    StringLocalResourceMapProto, UrlProto,
};
use crate::records::ApplicationId;

/// Upload chunk size.
const CHUNK: usize = 4 << 20;

pub struct StagingDir {
    client: Client,
    /// `hdfs://host:port`
    namenode: String,
    /// Absolute path of the directory, e.g. `/user/alice/.weft/application_1_0001`.
    path: String,
}

impl std::fmt::Debug for StagingDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StagingDir({})", self.url())
    }
}

impl StagingDir {
    /// `/user/<user>/.weft/<app>` on the file system `default_fs` (`hdfs://host:port`).
    pub fn for_application(default_fs: &str, user: &str, app: ApplicationId) -> Result<Self> {
        StagingDir::open(&format!(
            "{}/user/{user}/.weft/{app}",
            default_fs.trim_end_matches('/')
        ))
    }

    /// A staging directory by its full URL, `hdfs://host:port/path`.
    pub fn open(url: &str) -> Result<Self> {
        let rest = url.strip_prefix("hdfs://").ok_or_else(|| {
            YarnError::InvalidArgument(format!(
                "the staging directory {url} is not on HDFS; set fs.defaultFS in core-site.xml to an hdfs:// URL"
            ))
        })?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let namenode = format!("hdfs://{authority}");
        let client = ClientBuilder::new()
            .with_url(namenode.clone())
            .build()
            .map_err(|e| YarnError::Hdfs {
                op: "connect".into(),
                path: path.into(),
                namenode: authority.into(),
                message: e.to_string(),
            })?;
        Ok(StagingDir {
            client,
            namenode,
            path: path.trim_end_matches('/').to_string(),
        })
    }

    /// `hdfs://host:port/user/…/<app>`
    pub fn url(&self) -> String {
        format!("{}{}", self.namenode, self.path)
    }

    fn err(&self, op: &str, path: &str, e: impl std::fmt::Display) -> YarnError {
        YarnError::Hdfs {
            op: op.into(),
            path: path.into(),
            namenode: self.namenode.trim_start_matches("hdfs://").into(),
            message: e.to_string(),
        }
    }

    /// Create the directory for its owner only (700, as Flink's `.flink` staging
    /// directories): the job's script and configuration are nobody else's to read.
    pub async fn create_private(&self) -> Result<()> {
        self.client
            .mkdirs(&self.path, 0o700, true)
            .await
            .map_err(|e| self.err("mkdirs", &self.path, e))?;
        // mkdirs applies the umask; say it exactly.
        self.client
            .set_permission(&self.path, 0o700)
            .await
            .map_err(|e| self.err("chmod", &self.path, e))
    }

    /// The directory's permission bits, as the NameNode reports them.
    pub async fn permission(&self) -> Result<u32> {
        let st = self
            .client
            .get_file_info(&self.path)
            .await
            .map_err(|e| self.err("stat", &self.path, e))?;
        Ok(st.permission as u32)
    }

    async fn create(&self, dest: &str) -> Result<hdfs_native::file::FileWriter> {
        self.client
            .create(
                dest,
                WriteOptions {
                    overwrite: true,
                    permission: 0o600,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| self.err("create", dest, e))
    }

    /// Upload a local file as `name` (overwriting).
    pub async fn upload_file(&self, local: &Path, name: &str) -> Result<()> {
        let mut file = tokio::fs::File::open(local).await.map_err(|e| {
            YarnError::InvalidArgument(format!("cannot read {}: {e}", local.display()))
        })?;
        let dest = format!("{}/{name}", self.path);
        let mut writer = self.create(&dest).await?;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = file.read(&mut buf).await.map_err(|e| {
                YarnError::InvalidArgument(format!("cannot read {}: {e}", local.display()))
            })?;
            if n == 0 {
                break;
            }
            writer
                .write(bytes::Bytes::copy_from_slice(&buf[..n]))
                .await
                .map_err(|e| self.err("write", &dest, e))?;
        }
        writer
            .close()
            .await
            .map_err(|e| self.err("close", &dest, e))?;
        Ok(())
    }

    /// A file of this directory (`length`, `mtime` as HDFS reports them) as a local resource.
    fn local_resource(&self, path: &str, length: usize, mtime: u64) -> LocalResourceProto {
        let authority = self.namenode.trim_start_matches("hdfs://");
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse::<i32>().ok()),
            None => (authority.to_string(), None),
        };
        LocalResourceProto {
            resource: Some(UrlProto {
                scheme: Some("hdfs".into()),
                host: Some(host),
                port,
                file: Some(path.to_string()),
                user_info: None,
            }),
            size: Some(length as i64),
            timestamp: Some(mtime as i64),
            r#type: Some(LocalResourceTypeProto::File as i32),
            visibility: Some(LocalResourceVisibilityProto::Application as i32),
            ..Default::default()
        }
    }

    /// Every file of the directory as local resources, linked under their own names (one
    /// listing: sizes and modification times come with it).
    pub async fn resources(&self) -> Result<Vec<StringLocalResourceMapProto>> {
        let list = self
            .client
            .list_status(&self.path, false)
            .await
            .map_err(|e| self.err("list", &self.path, e))?;
        Ok(list
            .into_iter()
            .filter(|s| !s.isdir)
            .map(|st| {
                let name = st.path.rsplit('/').next().unwrap_or(&st.path).to_string();
                let path = format!("{}/{name}", self.path);
                StringLocalResourceMapProto {
                    value: Some(self.local_resource(&path, st.length, st.modification_time)),
                    key: Some(name),
                }
            })
            .collect())
    }

    /// Does the directory exist?
    pub async fn exists(&self) -> Result<bool> {
        match self.client.get_file_info(&self.path).await {
            Ok(_) => Ok(true),
            Err(hdfs_native::HdfsError::FileNotFound(_)) => Ok(false),
            Err(e) => Err(self.err("stat", &self.path, e)),
        }
    }

    /// Remove the directory and everything in it (idempotent).
    pub async fn delete(&self) -> Result<()> {
        match self.client.delete(&self.path, true).await {
            Ok(_) => Ok(()),
            Err(hdfs_native::HdfsError::FileNotFound(_)) => Ok(()),
            Err(e) => Err(self.err("delete", &self.path, e)),
        }
    }
}
