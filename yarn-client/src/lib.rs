//! Hadoop IPC and the three YARN protocols in Rust — the counterpart of Hadoop's
//! `hadoop-yarn-client`.
//!
//! - [`ipc`]: Hadoop RPC framing and connections (many calls in flight, ping, idle close,
//!   connect timeout and bounded retries), with [`sasl`] SIMPLE and TOKEN/DIGEST-MD5 auth.
//! - [`token_file`]: Hadoop `Credentials` token files (`HADOOP_TOKEN_FILE_LOCATION`).
//! - [`conf`]: `core-site.xml` / `yarn-site.xml` from `HADOOP_CONF_DIR` / `YARN_CONF_DIR`.
//! - [`YarnClient`] (ApplicationClientProtocol), [`AmRmClient`] (ApplicationMasterProtocol),
//!   [`NmClient`] (ContainerManagementProtocol).

pub mod am_rm_client;
pub mod cli_format;
pub mod conf;
pub mod error;
pub mod ipc;
pub mod nm_client;
pub mod proto;
pub mod records;
pub mod rm_proxy;
pub mod sasl;
pub mod staging;
pub mod token_file;
pub mod yarn_client;

pub use am_rm_client::AmRmClient;
pub use conf::HadoopConf;
pub use error::{Result, YarnError};
pub use nm_client::NmClient;
pub use records::{ApplicationId, ApplicationReport, ContainerId, NodeReport};
pub use token_file::{Credentials, Token};
pub use yarn_client::YarnClient;
