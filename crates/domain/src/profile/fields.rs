//! The editable fields of a profile, declared once.
//!
//! [`for_each_profile_field!`](crate::for_each_profile_field) hands the list
//! to a callback macro; every place that needs it (the [`Profile`] struct,
//! [`ProfileChange`], [`RawProfileInput`], the parsers, the update rules,
//! and in other crates the storage columns and the native DTO) derives its
//! code from it, so adding a field is one line here. Each entry reads
//!
//! ```text
//! /// doc
//! field: ProfileType, ChangeType => "wire_name", Rule, visibility, kind;
//! ```
//!
//! - `ProfileType` is the field's type in [`Profile`], `ChangeType` what a
//!   [`ProfileChange`] sets (they differ for optional fields and `role`);
//! - `Rule` is how `null` and absence are read (`Required`, `Sticky`,
//!   `Optional`, `OptionalSticky`; see [`change`](crate::profile::change));
//! - `visibility` is `public` or `private` (shown only where
//!   [`Profile::can_see_private`] holds);
//! - `kind` is `text` for an optional free-text field handled uniformly
//!   everywhere (its type implements [`TextField`]), `plain` for a required
//!   string read with `TryFrom<&str>`, `special` for a field with its own
//!   parser and shapes.
//!
//! [`for_each_profile_text_field!`](crate::for_each_profile_text_field)
//! hands over only the `text` fields, as `field: Type => "wire_name",
//! visibility;`.
//!
//! [`Profile`]: crate::profile::Profile
//! [`Profile::can_see_private`]: crate::profile::Profile::can_see_private
//! [`ProfileChange`]: crate::profile::ProfileChange
//! [`RawProfileInput`]: crate::profile::RawProfileInput

use crate::error::{FieldCode, FieldError};

/// An optional free-text profile field handled the same way everywhere:
/// parsed from a string (a blank string clears it), stored and shown as a
/// string.
pub trait TextField: Sized + for<'a> TryFrom<&'a str, Error = FieldError> {
    /// The value as stored and shown.
    fn as_text(&self) -> &str;

    /// Rebuilds a stored value; `None` when it is not a valid value (the
    /// storage adapter reports it as corrupt).
    fn restore_text(stored: String) -> Option<Self>;
}

/// Whether `text` may be stored as multi-line text (a description, an
/// image's alt text): no control characters but line breaks and tabs.
pub(crate) fn is_multiline_text(text: &str) -> bool {
    !text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Reads bounded free text (`location`, `pronouns`): trimmed, not blank
/// (`blank`), at most `max` characters (`too_long`, with `too_long_message`),
/// no control characters.
pub(crate) fn free_text(
    raw: &str,
    field: &'static str,
    max: usize,
    too_long_message: impl FnOnce() -> String,
) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, FieldCode::Blank));
    }
    if trimmed.chars().count() > max {
        return Err(FieldError::new(field, FieldCode::TooLong).with_message(too_long_message()));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(FieldError::new(field, FieldCode::ControlCharacters));
    }
    Ok(trimmed.to_owned())
}

/// Calls `$callback!` with every editable profile field, in the order
/// fields are read, reported and shown (see the [module
/// documentation](crate::profile::fields)).
///
/// ```
/// macro_rules! wire_names {
///     ($($(#[$doc:meta])* $field:ident: $pt:ty, $ct:ty => $wire:literal, $rule:ident, $vis:ident, $kind:ident;)*) => {
///         [$($wire),*]
///     };
/// }
/// let names = profile_domain::for_each_profile_field!(wire_names);
/// assert!(names.contains(&"pronouns"));
/// ```
#[macro_export]
macro_rules! for_each_profile_field {
    ($callback:ident) => {
        $crate::__profile_field_list! { ($callback) }
    };
}

/// Calls `$callback!` with the editable `text` fields only, as
/// `$(#[doc])* field: Type => "wire_name", visibility;`.
///
/// ```
/// macro_rules! text_names {
///     ($($(#[$doc:meta])* $field:ident: $ty:ty => $wire:literal, $vis:ident;)*) => { [$($wire),*] };
/// }
/// let names = profile_domain::for_each_profile_text_field!(text_names);
/// assert!(names.contains(&"location") && !names.contains(&"name"));
/// ```
#[macro_export]
macro_rules! for_each_profile_text_field {
    ($callback:ident) => {
        $crate::__profile_field_list! { ($crate::__profile_text_fields) $callback [] }
    };
}

/// The list itself; `$($m)*!` is called with `$($prefix)*` and the list.
#[doc(hidden)]
#[macro_export]
macro_rules! __profile_field_list {
    (($($m:tt)*) $($prefix:tt)*) => {
        $($m)*! { $($prefix)*
            /// Public handle.
            username: $crate::account::Username, $crate::account::Username => "username", Sticky, public, plain;
            /// Email address (private).
            email: $crate::account::Email, $crate::account::Email => "email", Sticky, private, plain;
            /// Display name.
            name: $crate::profile::DisplayName, $crate::profile::DisplayName => "name", Required, public, plain;
            /// Description; the text may be empty.
            description: $crate::profile::Description, $crate::profile::Description => "description", Required, public, special;
            /// Free-text location.
            location: Option<$crate::profile::Location>, $crate::profile::Location => "location", Optional, public, text;
            /// Country.
            country: Option<$crate::profile::Country>, $crate::profile::Country => "country", Optional, public, special;
            /// Language and region.
            locale: $crate::profile::Locale, $crate::profile::Locale => "locale", Required, public, plain;
            /// Time zone.
            timezone: $crate::profile::TimeZone, $crate::profile::TimeZone => "timezone", Required, public, plain;
            /// Date of birth (private).
            birthdate: Option<$crate::profile::Birthdate>, $crate::profile::Birthdate => "birthdate", Optional, private, special;
            /// Gender.
            gender: Option<$crate::profile::Gender>, $crate::profile::Gender => "gender", Optional, public, text;
            /// Pronouns, as the person writes them.
            pronouns: Option<$crate::profile::Pronouns>, $crate::profile::Pronouns => "pronouns", Optional, public, text;
            /// Personal web site.
            website_url: Option<$crate::profile::WebsiteUrl>, $crate::profile::WebsiteUrl => "website_url", Optional, public, text;
            /// Twitter/X page.
            twitter_url: Option<$crate::profile::TwitterUrl>, $crate::profile::TwitterUrl => "twitter_url", Optional, public, text;
            /// Facebook page.
            facebook_url: Option<$crate::profile::FacebookUrl>, $crate::profile::FacebookUrl => "facebook_url", Optional, public, text;
            /// Instagram page.
            instagram_url: Option<$crate::profile::InstagramUrl>, $crate::profile::InstagramUrl => "instagram_url", Optional, public, text;
            /// Ethereum address.
            eth_address: Option<$crate::profile::EthAddress>, $crate::profile::EthAddress => "eth_address", Optional, public, text;
            /// Bank account (private).
            bank_account: Option<$crate::profile::BankAccount>, $crate::profile::BankAccount => "bank_account", Optional, private, text;
            /// Whether the user is a creator; only `profiles.write_any` sets it.
            is_creator: bool, bool => "is_creator", Sticky, public, special;
            /// App-defined metadata.
            annotations: $crate::profile::Annotations, $crate::profile::Annotations => "annotations", OptionalSticky, public, special;
            /// Role; only `users.manage` changes it (by name).
            role: $crate::user::Role, $crate::profile::RoleRequest => "role", Sticky, public, special;
        }
    };
}

/// Keeps the `text` entries of the list and calls the callback with them.
#[doc(hidden)]
#[macro_export]
macro_rules! __profile_text_fields {
    ($callback:ident [$($kept:tt)*]) => {
        $callback! { $($kept)* }
    };
    ($callback:ident [$($kept:tt)*]
        $(#[$doc:meta])* $field:ident: $pt:ty, $ct:ty => $wire:literal, $rule:ident, $vis:ident, text;
        $($rest:tt)*) => {
        $crate::__profile_text_fields! { $callback [$($kept)* $(#[$doc])* $field: $ct => $wire, $vis;] $($rest)* }
    };
    ($callback:ident [$($kept:tt)*]
        $(#[$doc:meta])* $field:ident: $pt:ty, $ct:ty => $wire:literal, $rule:ident, $vis:ident, $kind:ident;
        $($rest:tt)*) => {
        $crate::__profile_text_fields! { $callback [$($kept)*] $($rest)* }
    };
}

use crate::profile::{
    BankAccount, EthAddress, FacebookUrl, Gender, InstagramUrl, Location, TwitterUrl, WebsiteUrl,
};

/// Text fields whose stored form passed `TryFrom` when written and is
/// trusted again.
macro_rules! trusted_text {
    ($($ty:ty),*) => {$(
        impl TextField for $ty {
            fn as_text(&self) -> &str {
                self.as_str()
            }
            fn restore_text(stored: String) -> Option<Self> {
                Some(<$ty>::restore(stored))
            }
        }
    )*};
}
trusted_text!(Location, EthAddress, BankAccount);

/// Text fields that must be parsed again to exist (a URL, a well-known
/// gender).
macro_rules! parsed_text {
    ($($ty:ty: $restore:expr),*) => {$(
        impl TextField for $ty {
            fn as_text(&self) -> &str {
                self.as_str()
            }
            fn restore_text(stored: String) -> Option<Self> {
                $restore(stored.as_str())
            }
        }
    )*};
}
parsed_text!(
    Gender: |s: &str| Gender::try_from(s).ok(),
    WebsiteUrl: WebsiteUrl::restore,
    TwitterUrl: TwitterUrl::restore,
    FacebookUrl: FacebookUrl::restore,
    InstagramUrl: InstagramUrl::restore
);
