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
//! applying it for an actor, who must be allowed to touch each field:
//!
//! ```
//! use std::collections::HashMap;
//!
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use profile_domain::account::{Email, Username};
//! use profile_domain::profile::{
//!     Actor, ParseContext, Profile, ProfileChange, ProfileError, RawProfileInput, Version,
//! };
//! use profile_domain::user::{Role, UserId};
//!
//! let now = Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).unwrap();
//! let user = Role::new(1, "user", Default::default());
//! let alice = Profile::new(
//!     UserId(1),
//!     Username::try_from("alice").unwrap(),
//!     Email::try_from("alice@example.com").unwrap(),
//!     user.clone(),
//!     now,
//! );
//! let ctx = ParseContext::new(NaiveDate::from_ymd_opt(2025, 6, 15).unwrap());
//!
//! // PATCH: every mistake is reported, each at its JSON path.
//! let bad = serde_json::json!({"name": null, "birthdate": "2020-01-01", "country": "XX"});
//! let errors = ProfileChange::merge_patch(&RawProfileInput::from_json(&bad).unwrap(), &ctx);
//! let codes: Vec<_> = errors.unwrap_err().into_iter().map(|e| (e.field, e.code.as_str())).collect();
//! assert_eq!(codes.len(), 3);
//!
//! let body = serde_json::json!({"name": "Alice", "description": {"text": "Hi @bob! #rust"}});
//! let change = ProfileChange::merge_patch(&RawProfileInput::from_json(&body).unwrap(), &ctx).unwrap();
//!
//! // Only the owner (or `profiles.write_any`) may change it; a change bumps the version.
//! let owner = Actor { user_id: UserId(1), role: user.clone() };
//! let updated = alice.apply(&change, &owner, now).unwrap();
//! assert_eq!(updated.version, Version(2));
//! let stranger = Actor { user_id: UserId(2), role: user };
//! assert_eq!(alice.apply(&change, &stranger, now), Err(ProfileError::Forbidden { field: "name" }));
//!
//! // Mentions are resolved from a map the application prefetched.
//! assert_eq!(updated.description.mentioned_names(), ["bob"]);
//! let known = HashMap::from([("bob".to_owned(), UserId(2))]);
//! let rendered = updated.description.render(&known);
//! assert_eq!(rendered.entities.mentions[0].id, Some(2));
//! assert!(rendered.html.contains(r#"data-mention-id="2""#));
//! ```
#![deny(missing_docs)]

pub mod account;
pub mod error;
pub mod profile;
pub mod user;

pub use error::{FieldCode, FieldError, ValidationErrors};
