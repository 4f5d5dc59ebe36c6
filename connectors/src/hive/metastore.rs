//! A Hive Metastore client (thrift, binary protocol, unframed: what a stock metastore
//! speaks) with the few calls Weft needs, errors naming the metastore and the table.

use std::net::{SocketAddr, ToSocketAddrs};

use hive_metastore::{
    FieldSchema, Partition, StorageDescriptor, Table, ThriftHiveMetastoreClient,
    ThriftHiveMetastoreClientBuilder, ThriftHiveMetastoreCreateTableException,
    ThriftHiveMetastoreGetTableException,
};
use pilota::FastStr;
use volo_thrift::MaybeException;
use weft_core::{Result, WeftError};

pub struct Metastore {
    uri: String,
    client: ThriftHiveMetastoreClient,
}

/// `thrift://host:port` (the first of a comma-separated `hive.metastore.uris`) as an address.
fn address(uris: &str) -> Result<(String, SocketAddr)> {
    let uri = uris.split(',').next().unwrap_or("").trim().to_string();
    let bad = |m: &str| {
        WeftError::config(
            "hive.metastore.uris",
            format!("'{uris}' {m}; expected thrift://HOST:PORT"),
        )
    };
    let hostport = uri
        .strip_prefix("thrift://")
        .ok_or_else(|| bad("is not a thrift:// URI"))?;
    let addr = hostport
        .to_socket_addrs()
        .map_err(|e| bad(&format!("does not resolve ({e})")))?
        .next()
        .ok_or_else(|| bad("does not resolve"))?;
    Ok((uri, addr))
}

fn text(s: &Option<FastStr>) -> String {
    s.as_ref().map(|s| s.to_string()).unwrap_or_default()
}

impl Metastore {
    /// Connect to the metastore and check it answers.
    pub async fn connect(uris: &str) -> Result<Metastore> {
        let (uri, addr) = address(uris)?;
        let client = ThriftHiveMetastoreClientBuilder::new("hive-metastore")
            .address(addr)
            .make_codec(volo_thrift::codec::default::DefaultMakeCodec::buffered())
            .build();
        let ms = Metastore { uri, client };
        ms.client
            .get_all_databases()
            .await
            .map_err(|e| ms.unreachable(&e.to_string()))?;
        Ok(ms)
    }

    fn unreachable(&self, message: &str) -> WeftError {
        WeftError::Unreachable {
            what: "Hive Metastore".into(),
            address: self.uri.clone(),
            message: message.to_string(),
        }
    }

    fn failed(&self, what: String, message: &Option<FastStr>) -> WeftError {
        WeftError::io(format!(
            "Hive Metastore {}: {what} failed: {}",
            self.uri,
            text(message)
        ))
    }

    /// The table, or `None` when the metastore has no such table.
    pub async fn get_table(&self, db: &str, table: &str) -> Result<Option<Table>> {
        match self
            .client
            .get_table(db.to_string().into(), table.to_string().into())
            .await
            .map_err(|e| self.unreachable(&e.to_string()))?
        {
            MaybeException::Ok(t) => Ok(Some(t)),
            MaybeException::Exception(ThriftHiveMetastoreGetTableException::O2(_)) => Ok(None),
            MaybeException::Exception(ThriftHiveMetastoreGetTableException::O1(e)) => {
                Err(self.failed(format!("reading table {db}.{table}"), &e.message))
            }
        }
    }

    /// Create an external table; an existing one is left as it is.
    pub async fn create_table(&self, t: Table) -> Result<()> {
        let name = format!("{}.{}", text(&t.db_name), text(&t.table_name));
        match self
            .client
            .create_table(t)
            .await
            .map_err(|e| self.unreachable(&e.to_string()))?
        {
            MaybeException::Ok(()) => Ok(()),
            MaybeException::Exception(ThriftHiveMetastoreCreateTableException::O1(_)) => Ok(()),
            MaybeException::Exception(ThriftHiveMetastoreCreateTableException::O2(e)) => {
                Err(self.failed(format!("creating table {name}"), &e.message))
            }
            MaybeException::Exception(ThriftHiveMetastoreCreateTableException::O3(e)) => {
                Err(self.failed(format!("creating table {name}"), &e.message))
            }
            MaybeException::Exception(ThriftHiveMetastoreCreateTableException::O4(e)) => {
                Err(self.failed(format!("creating table {name}"), &e.message))
            }
        }
    }

    /// Register a partition (values in partition-key order) at `location`, with the
    /// table's storage; one that exists already is kept. Returns whether it was added.
    pub async fn add_partition(
        &self,
        table: &Table,
        values: Vec<String>,
        location: &str,
    ) -> Result<bool> {
        let sd = table.sd.clone().map(|sd| StorageDescriptor {
            location: Some(location.to_string().into()),
            ..sd
        });
        let name = format!("{}.{}", text(&table.db_name), text(&table.table_name));
        let p = Partition {
            values: Some(values.iter().map(|v| FastStr::from(v.clone())).collect()),
            db_name: table.db_name.clone(),
            table_name: table.table_name.clone(),
            sd,
            parameters: Some(Default::default()),
            ..Default::default()
        };
        match self
            .client
            .add_partition(p)
            .await
            .map_err(|e| self.unreachable(&e.to_string()))?
        {
            MaybeException::Ok(_) => Ok(true),
            MaybeException::Exception(e) => {
                use hive_metastore::ThriftHiveMetastoreAddPartitionException as E;
                match e {
                    E::O2(_) => Ok(false), // AlreadyExists
                    E::O1(e) => {
                        Err(self
                            .failed(format!("adding partition {values:?} to {name}"), &e.message))
                    }
                    E::O3(e) => {
                        Err(self
                            .failed(format!("adding partition {values:?} to {name}"), &e.message))
                    }
                }
            }
        }
    }

    /// Every partition of the table: (values, location).
    pub async fn partitions(&self, db: &str, table: &str) -> Result<Vec<(Vec<String>, String)>> {
        match self
            .client
            .get_partitions(db.to_string().into(), table.to_string().into(), -1)
            .await
            .map_err(|e| self.unreachable(&e.to_string()))?
        {
            MaybeException::Ok(ps) => Ok(ps
                .into_iter()
                .map(|p| {
                    (
                        p.values
                            .unwrap_or_default()
                            .iter()
                            .map(|v| v.to_string())
                            .collect(),
                        p.sd.and_then(|sd| sd.location)
                            .map(|l| l.to_string())
                            .unwrap_or_default(),
                    )
                })
                .collect()),
            MaybeException::Exception(e) => Err(WeftError::io(format!(
                "Hive Metastore {}: listing partitions of {db}.{table} failed: {e:?}",
                self.uri
            ))),
        }
    }
}

/// A column for a new table.
pub fn field(name: &str, hive_type: &str) -> FieldSchema {
    FieldSchema {
        name: Some(name.to_string().into()),
        r#type: Some(hive_type.to_string().into()),
        comment: None,
    }
}
