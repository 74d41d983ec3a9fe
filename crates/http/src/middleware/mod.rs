//! Middleware every route shares: request bodies cut off when they stall,
//! `HEAD` served wherever `GET` is, and the caching and sniffing headers
//! every response needs. The composition root wraps the app in them.

mod body_timeout;
mod head;
mod response_headers;

pub use body_timeout::{TimedBody, is_body_timeout, limit_body_time};
pub use head::head_as_get;
pub use response_headers::{CREDENTIAL_HEADERS, secure_headers};
