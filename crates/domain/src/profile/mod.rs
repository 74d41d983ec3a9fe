//! Profiles: the value types of every profile field, the description and
//! how it is processed, the [`Profile`] aggregate, the [`ProfileChange`]s
//! read from PUT and PATCH bodies, and the rules of [`Profile::apply`].
//!
//! Each field type validates on construction (`TryFrom<&str>` unless noted)
//! and reports a [`FieldError`](crate::FieldError) at the field's JSON path.
//! Optional text types refuse blank input (`blank`); the change parsers turn
//! a blank string into "clear" before calling them.
//!
//! ```
//! use chrono::NaiveDate;
//! use profile_domain::profile::{Country, ParseContext, ProfileChange, RawProfileInput};
//!
//! let body = serde_json::json!({"country": "pl", "description": {"text": "Hi @bob #rust"}});
//! let raw = RawProfileInput::from_json(&body).unwrap();
//! let today = NaiveDate::from_ymd_opt(2025, 6, 15).unwrap();
//! let change = ProfileChange::merge_patch(&raw, &ParseContext::new(today)).unwrap();
//! assert_eq!(change.country.as_set().map(Country::label), Some("Poland"));
//! assert_eq!(change.touched_fields(), ["description", "country"]);
//! ```

mod actor;
mod aggregate;
pub mod annotations;
mod apply;
pub mod bank_account;
pub mod birthdate;
pub mod change;
pub mod country;
pub mod description;
pub mod diff;
pub mod display_name;
mod error;
pub mod eth_address;
pub mod fields;
pub mod gender;
pub mod image_alt;
pub mod locale;
pub mod location;
pub mod pronouns;
pub mod role_request;
pub mod social_url;
pub mod timezone;
pub mod website_url;

pub use actor::Actor;
pub use aggregate::{Profile, StoredProfileParts, Version, VisibleProfile};
pub use annotations::{Annotation, Annotations};
pub use bank_account::BankAccount;
pub use birthdate::Birthdate;
pub use change::{FieldUpdate, ParseContext, ProfileChange, RawField, RawProfileInput};
pub use country::Country;
pub use description::{Description, MentionLookup, RenderedDescription, UserLink, UserLinkInput};
pub use diff::{FieldChange, changed_fields};
pub use display_name::DisplayName;
pub use error::ProfileError;
pub use eth_address::EthAddress;
pub use fields::TextField;
pub use gender::Gender;
pub use image_alt::ImageAlt;
pub use locale::Locale;
pub use location::Location;
pub use pronouns::Pronouns;
pub use role_request::{RoleName, RoleRequest};
pub use social_url::{FacebookUrl, InstagramUrl, SocialUrl, TwitterUrl};
pub use timezone::TimeZone;
pub use website_url::WebsiteUrl;
