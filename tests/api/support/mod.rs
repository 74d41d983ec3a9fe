//! What the black-box tests share: spawning the real service on both
//! databases (`both_databases!`), typed requests and assertions, image
//! fixtures, the CLI, and a private PostgreSQL cluster for fault tests.

#[macro_use]
pub mod helpers;
pub mod cli_helpers;
#[macro_use]
pub mod image_helpers;
pub mod mail_helpers;
pub mod nats_helpers;
pub mod pg_cluster;
pub mod profile_helpers;
pub mod webhook_helpers;
