//! Prints a YARN cluster's metrics and nodes: `HADOOP_CONF_DIR=… cargo run --example yarn_probe`.
//! A quick check of the IPC client against a real ResourceManager.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = weft_yarn_client::YarnClient::from_env()?;
    let (addr, source) = client.rm_address();
    println!("ResourceManager {addr} ({source}), user {}", client.user());
    let m = client.get_cluster_metrics().await?;
    println!("NodeManagers: {}", m.num_node_managers());
    print!(
        "{}",
        weft_yarn_client::cli_format::node_list(&client.get_cluster_nodes(&[]).await?)
    );
    Ok(())
}
