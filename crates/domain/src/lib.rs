//! `profile-domain`: what a user profile is and which changes to it are allowed.
//!
//! The crate is pure: no I/O, no async runtime, no web framework or database
//! driver. Every value that exists is valid: value types are built only
//! through constructors (`TryFrom`, `new`) that say what is wrong, as a
//! [`FieldError`] naming the field by its JSON path with a stable [`FieldCode`].
//! A change to several fields collects every error in [`ValidationErrors`]
//! before it is refused, so a client learns all its mistakes at once.
//!
//! ```
//! use profile_domain::FieldCode;
//! use profile_domain::account::{Email, Password, Username};
//!
//! let username = Username::try_from("alice_w").unwrap();
//! let email = Email::try_from("Alice@Example.com").unwrap();
//! assert_eq!(email.canonical(), "alice@example.com");
//!
//! let weak = Password::new("password123", username.as_str(), email.as_str());
//! assert_eq!(weak.unwrap_err().code, FieldCode::CommonPassword);
//!
//! let taken = Username::try_from("admin").unwrap_err();
//! assert_eq!((taken.field.as_ref(), taken.code), ("username", FieldCode::Reserved));
//! assert_eq!(taken.code.as_str(), "reserved"); // what clients receive
//! ```
//!
//! Profiles ([`profile`]) are changed by reading a request body into a
//! [`ProfileChange`](profile::ProfileChange) (every field error at once) and
//! applying it for an actor, who must be allowed to touch each field
//! ([`Profile::apply`](profile::Profile::apply)). The crate's `README.md`
//! is written for teams that embed it and walks through a whole change;
//! its example is compiled and run as a doctest.
#![deny(missing_docs)]
#![warn(clippy::missing_errors_doc)]

pub mod account;
pub mod change;
pub mod error;
pub mod profile;
pub mod user;
pub mod webhook;

pub use error::{FieldCode, FieldError, ValidationErrors};

/// The README's examples, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
