//! Counters of a coordinator or worker, served as Prometheus text at `/metrics`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use weft_core::{Result, WeftError};

/// A monotonically increasing counter.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// One sample: name, help, type (`counter` / `gauge`), value.
pub type Sample = (&'static str, &'static str, &'static str, u64);

/// Prometheus text exposition format.
pub fn render(samples: &[Sample]) -> String {
    let mut out = String::new();
    for (name, help, kind, value) in samples {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    }
    out
}

/// Serve `GET /metrics` on `listen`; returns the bound address.
pub async fn serve(
    listen: &str,
    samples: Arc<dyn Fn() -> Vec<Sample> + Send + Sync>,
) -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| WeftError::Io {
            message: format!("cannot listen for metrics on {listen}: {e}"),
        })?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let samples = samples.clone();
            async move { render(&samples()) }
        }),
    );
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("metrics endpoint stopped: {e}");
        }
    });
    Ok(addr)
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_format() {
        let t = super::render(&[("weft_x_total", "Things.", "counter", 3)]);
        assert_eq!(
            t,
            "# HELP weft_x_total Things.\n# TYPE weft_x_total counter\nweft_x_total 3\n"
        );
    }
}
