//! SeaORM models of the tables `migrations` defines. Private to this crate.

pub mod account_tokens;
pub mod audit_records;
pub mod change_events;
pub mod event_consumers;
pub mod mail_outbox;
pub mod privileges;
pub mod rate_limits;
pub mod retired_usernames;
pub mod role_privileges;
pub mod roles;
pub mod sessions;
pub mod users;
pub mod webhook_deliveries;
pub mod webhooks;
