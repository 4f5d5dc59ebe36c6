//! IPC client settings, read from Hadoop's own keys in `core-site.xml`.

use std::time::Duration;

use crate::conf::HadoopConf;
use crate::error::Result;

/// Timeouts and retries of the IPC client.
#[derive(Clone, Debug)]
pub struct IpcSettings {
    /// `ipc.client.connect.timeout` (ms, default 20000): one TCP connect attempt.
    pub connect_timeout: Duration,
    /// `ipc.client.connect.max.retries` (default 10): extra connect attempts after the first.
    pub connect_retries: u32,
    /// `ipc.client.connect.retry.interval` (ms, default 1000): pause between attempts.
    pub connect_retry_interval: Duration,
    /// `ipc.client.rpc-timeout.ms` (default 0 = none): longest wait for one call's answer.
    pub rpc_timeout: Option<Duration>,
    /// `ipc.ping.interval` (ms, default 60000): ping the server this often while calls wait.
    pub ping_interval: Duration,
    /// `ipc.client.connection.maxidletime` (ms, default 10000): close an unused connection.
    pub max_idle: Duration,
}

impl Default for IpcSettings {
    fn default() -> Self {
        IpcSettings {
            connect_timeout: Duration::from_millis(20_000),
            connect_retries: 10,
            connect_retry_interval: Duration::from_millis(1_000),
            rpc_timeout: None,
            ping_interval: Duration::from_millis(60_000),
            max_idle: Duration::from_millis(10_000),
        }
    }
}

impl IpcSettings {
    /// Reads the settings from a loaded configuration, defaulting as Hadoop does.
    pub fn from_conf(conf: &HadoopConf) -> Result<Self> {
        let d = IpcSettings::default();
        let ms = |key: &str, default: Duration| -> Result<Duration> {
            Ok(conf
                .get_u64(key)?
                .map(Duration::from_millis)
                .unwrap_or(default))
        };
        let rpc_timeout = ms("ipc.client.rpc-timeout.ms", Duration::ZERO)?;
        Ok(IpcSettings {
            connect_timeout: ms("ipc.client.connect.timeout", d.connect_timeout)?,
            connect_retries: conf
                .get_u64("ipc.client.connect.max.retries")?
                .map(|v| v as u32)
                .unwrap_or(d.connect_retries),
            connect_retry_interval: ms(
                "ipc.client.connect.retry.interval",
                d.connect_retry_interval,
            )?,
            rpc_timeout: (!rpc_timeout.is_zero()).then_some(rpc_timeout),
            ping_interval: ms("ipc.ping.interval", d.ping_interval)?,
            max_idle: ms("ipc.client.connection.maxidletime", d.max_idle)?,
        })
    }
}
