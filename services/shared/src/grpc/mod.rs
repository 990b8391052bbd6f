//! gRPC plumbing: authentication, error mapping, and a server with health, reflection
//! and tracing that every service uses the same way.

pub mod auth;
pub mod client;
mod metrics;
pub mod server;
pub mod status;

pub use auth::{
    Access, ApiKeySettings, Authenticator, MethodPolicy, Principal, Role, principal_name,
};
pub use server::{GrpcServer, ShutdownSignal, TlsSettings};
pub use status::into_status;
