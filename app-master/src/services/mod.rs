//! The JobManager's gRPC endpoints: the Dispatcher (clients) and the gateway TaskManagers
//! talk to.

pub mod dispatcher;
pub mod gateway;
