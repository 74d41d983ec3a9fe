//! Black-box tests: the real service on a random port, against a fresh
//! SQLite file and a fresh, uniquely named PostgreSQL database.
//!
//! Every test runs on both databases (see [`both_databases!`]). PostgreSQL
//! tests skip when no server answers, unless `REQUIRE_POSTGRES=1`, which
//! turns a missing server into a failure.

#[macro_use]
mod helpers;

mod accounts;
mod errors;
mod sessions;
mod users;
