//! Black-box tests: the real service on a random port, against a fresh
//! SQLite file and a fresh, uniquely named PostgreSQL database.
//!
//! Every test runs on both databases (see [`both_databases!`]). PostgreSQL
//! tests skip when no server answers, unless `REQUIRE_POSTGRES=1`, which
//! turns a missing server into a failure. What the tests share (spawning
//! the service, typed requests, images, a private PostgreSQL cluster) is
//! in [`support`].

#[macro_use]
mod support;

mod account_deletion;
mod accounts;
mod audit;
mod dialect_000;
mod dialect_001;
mod dialect_002;
mod dialect_003;
mod dialect_003_read;
mod dialect_shape;
mod directory;
mod email_verification;
mod errors;
mod events_nats;
mod export;
mod faults;
mod hostile;
mod image_alt;
mod image_files;
mod images_hostile;
mod images_serving;
mod images_upload;
mod instances;
mod login_throttle;
mod my_sessions;
mod operations;
mod password_resets;
mod passwords;
mod permissions;
mod profiles_access;
mod profiles_concurrency;
mod profiles_description;
mod profiles_members;
mod profiles_read;
mod profiles_rules;
mod profiles_update;
mod sessions;
mod suspension;
mod users;
mod webhooks;
