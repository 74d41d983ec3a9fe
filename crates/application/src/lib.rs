//! `profile-application`: what a user can do with the profile service.
//!
//! One use case per intention (`RegisterAccount`, `LogIn`, …), each a small
//! struct holding the ports it needs as `Arc<dyn Port>`. Ports are
//! `async-trait` traits named for their role; adapters live in
//! `profile-infrastructure`. Nothing here knows about HTTP or SQL.

pub mod cause;
pub mod error;
pub mod messages;
pub mod model;
pub mod ports;
pub mod use_cases;

pub use cause::{Cause, Chain};
pub use error::AppError;
