//! Request and response bodies of the native API.

pub mod account;
pub mod audit;
pub mod directory;
pub mod email;
pub mod export;
pub mod password_reset;
pub mod profile;
pub mod profile_members;
pub mod session;
pub mod webhook;
