//! The profile aggregate: everything a user shows and keeps about themselves.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::account::{Email, Username};
use crate::profile::{Actor, DisplayName};
use crate::user::{Privilege, Role, UserId};

/// The revision of a profile, bumped by every change that changes something;
/// published as the `ETag` and checked against `If-Match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub i64);

impl Version {
    /// The version of a new profile.
    pub const INITIAL: Version = Version(1);

    /// The version after this one.
    #[must_use]
    pub fn next(self) -> Version {
        Version(self.0.saturating_add(1))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

macro_rules! define_profile {
    ($($(#[$doc:meta])* $field:ident: $pt:ty, $ct:ty => $wire:literal, $rule:ident, $vis:ident, $kind:ident;)*) => {
        /// A user's profile. Every field holds a valid value by construction,
        /// and the fields are private: only [`Profile::new`],
        /// [`Profile::apply`] (which enforces who may change what and
        /// maintains `version` and `updated_at`), [`Profile::touched`] and
        /// [`Profile::restore`] (for storage adapters) make one. Each field
        /// has a read accessor of the same name; the editable ones are
        /// declared in [`for_each_profile_field!`](crate::for_each_profile_field).
        ///
        /// Private fields (`email`, `birthdate`, `bank_account`) are shown only to
        /// viewers for whom [`Profile::can_see_private`] holds: a viewer gets
        /// [`Profile::visible_to`], never the profile itself.
        ///
        /// The version cannot be set by hand:
        ///
        /// ```compile_fail,E0616
        /// # use profile_domain::profile::{Profile, Version};
        /// fn bump(profile: &mut Profile) {
        ///     profile.version = Version(42);
        /// }
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Profile {
            id: UserId,
            $($field: $pt,)*
            created_at: DateTime<Utc>,
            updated_at: DateTime<Utc>,
            version: Version,
            email_verified_at: Option<DateTime<Utc>>,
        }

        /// Everything a stored profile holds, for a storage adapter to
        /// rebuild it with [`Profile::restore`]. Nothing else takes it: a
        /// profile in use changes only through [`Profile::apply`].
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct StoredProfileParts {
            /// Server-assigned id.
            pub id: UserId,
            $($(#[$doc])* pub $field: $pt,)*
            /// When the profile was created.
            pub created_at: DateTime<Utc>,
            /// When the profile last changed.
            pub updated_at: DateTime<Utc>,
            /// Revision, for optimistic concurrency.
            pub version: Version,
            /// When the current address was verified; `None` while unverified.
            pub email_verified_at: Option<DateTime<Utc>>,
        }

        /// A profile as one viewer may see it: a private field is `None` when
        /// the viewer may not see it, `Some(value)` when they may. Built only
        /// by [`Profile::visible_to`] (its fields are private, read through
        /// accessors of the same names), so a presenter cannot show what the
        /// viewer may not see.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct VisibleProfile {
            id: UserId,
            $($field: visible_type!($vis $pt),)*
            created_at: DateTime<Utc>,
            updated_at: DateTime<Utc>,
            version: Version,
            email_verified_at: Option<Option<DateTime<Utc>>>,
        }

        impl Profile {
            /// The profile of a new account: displayed under its username, locale
            /// `en`, time zone `UTC`, empty description, no optional field set, not
            /// a creator, version 1, created and updated `now`.
            pub fn new(id: UserId, username: Username, email: Email, role: Role, now: DateTime<Utc>) -> Self {
                let name = DisplayName::from(&username);
                // A field's value in a new profile: the arguments, else the default.
                macro_rules! initial {
                    (username) => { username };
                    (email) => { email };
                    (name) => { name };
                    (role) => { role };
                    ($other:ident) => { Default::default() };
                }
                Self {
                    id,
                    $($field: initial!($field),)*
                    created_at: now,
                    updated_at: now,
                    version: Version::INITIAL,
                    email_verified_at: None,
                }
            }

            /// Rebuilds a profile as it was stored. For storage adapters:
            /// the values are trusted to have passed the domain's rules
            /// when they were written.
            #[must_use]
            pub fn restore(parts: StoredProfileParts) -> Self {
                let StoredProfileParts { id, $($field,)* created_at, updated_at, version, email_verified_at } = parts;
                Self { id, $($field,)* created_at, updated_at, version, email_verified_at }
            }

            /// The profile taken apart, as [`Profile::restore`] takes it
            /// (for a storage adapter, or a test that needs a profile in a
            /// given state).
            #[must_use]
            pub fn into_parts(self) -> StoredProfileParts {
                let Self { id, $($field,)* created_at, updated_at, version, email_verified_at } = self;
                StoredProfileParts { id, $($field,)* created_at, updated_at, version, email_verified_at }
            }

            $(
                $(#[$doc])*
                #[must_use]
                pub fn $field(&self) -> &$pt {
                    &self.$field
                }
            )*

            server_maintained_accessors!();

            /// When the current address was verified (a private account
            /// member the server maintains); `None` while unverified.
            #[must_use]
            pub fn email_verified_at(&self) -> Option<DateTime<Utc>> {
                self.email_verified_at
            }

            /// True once the current address is verified.
            #[must_use]
            pub fn email_verified(&self) -> bool {
                self.email_verified_at.is_some()
            }

            /// The profile as its owner sees it (a new account's answer).
            #[must_use]
            pub fn visible_to_owner(self) -> VisibleProfile {
                let owner = Actor { user_id: self.id, role: self.role.clone() };
                self.visible_to(Some(&owner))
            }

            /// The profile as `viewer` may see it: private fields only when
            /// [`Profile::can_see_private`] holds.
            #[must_use]
            pub fn visible_to(self, viewer: Option<&Actor>) -> VisibleProfile {
                let shown = self.can_see_private(viewer);
                VisibleProfile {
                    id: self.id,
                    $($field: visible!($vis shown self.$field),)*
                    created_at: self.created_at,
                    updated_at: self.updated_at,
                    version: self.version,
                    email_verified_at: shown.then_some(self.email_verified_at),
                }
            }
        }

        impl VisibleProfile {
            $(
                $(#[$doc])*
                #[must_use]
                pub fn $field(&self) -> visible_ref!(type $vis $pt) {
                    visible_ref!(value $vis self.$field)
                }
            )*

            server_maintained_accessors!();

            /// When the address was verified (`Some(None)`: not yet); `None`
            /// when the viewer may not see private members.
            #[must_use]
            pub fn email_verified_at(&self) -> Option<Option<DateTime<Utc>>> {
                self.email_verified_at
            }

            /// Whether the address is verified; `None` when the viewer may
            /// not see private members.
            #[must_use]
            pub fn email_verified(&self) -> Option<bool> {
                self.email_verified_at.map(|at| at.is_some())
            }
        }
    };
}

/// A field's type in [`VisibleProfile`].
macro_rules! visible_type {
    (public $pt:ty) => { $pt };
    (private $pt:ty) => { Option<$pt> };
}

/// The read accessors of the members the server maintains (the same in
/// [`Profile`] and [`VisibleProfile`]).
macro_rules! server_maintained_accessors {
    () => {
        /// Server-assigned id.
        #[must_use]
        pub fn id(&self) -> UserId {
            self.id
        }

        /// When the profile was created.
        #[must_use]
        pub fn created_at(&self) -> DateTime<Utc> {
            self.created_at
        }

        /// When the profile last changed.
        #[must_use]
        pub fn updated_at(&self) -> DateTime<Utc> {
            self.updated_at
        }

        /// Revision, for optimistic concurrency.
        #[must_use]
        pub fn version(&self) -> Version {
            self.version
        }
    };
}

/// A field's accessor type, then its value, in [`VisibleProfile`]: a
/// private field is `None` when the viewer may not see it.
macro_rules! visible_ref {
    (type public $pt:ty) => { &$pt };
    (type private $pt:ty) => { Option<&$pt> };
    (value public $value:expr) => { &$value };
    (value private $value:expr) => { $value.as_ref() };
}

/// A field's value in [`VisibleProfile`].
macro_rules! visible {
    (public $shown:ident $value:expr) => {
        $value
    };
    (private $shown:ident $value:expr) => {
        $shown.then_some($value)
    };
}

crate::for_each_profile_field!(define_profile);

impl Profile {
    /// The profile after a change to something it shows but does not hold
    /// (an image): the same fields, the version bumped, updated at `now`.
    #[must_use]
    pub fn touched(&self, now: DateTime<Utc>) -> Profile {
        self.clone().bumped(now)
    }

    /// This profile with its address unverified (the address changed).
    #[must_use]
    pub(super) fn unverified(self) -> Profile {
        Profile { email_verified_at: None, ..self }
    }

    /// This profile as changed at `now`: the version bumped.
    pub(super) fn bumped(self, now: DateTime<Utc>) -> Profile {
        Profile { updated_at: now, version: self.version.next(), ..self }
    }

    /// True when `viewer` may see the private fields: the owner, or a holder
    /// of `profiles.read_private`. Anonymous viewers may not.
    pub fn can_see_private(&self, viewer: Option<&Actor>) -> bool {
        viewer.is_some_and(|v| v.is(self.id) || v.can(Privilege::ReadPrivateProfiles))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;
    use crate::profile::BankAccount;

    fn alice() -> Profile {
        let mut parts = Profile::new(
            UserId(1),
            Username::try_from("alice").unwrap(),
            Email::try_from("alice@example.com").unwrap(),
            Role::new(1, "user", Default::default()),
            Utc.with_ymd_and_hms(2025, 6, 15, 8, 0, 0).unwrap(),
        )
        .into_parts();
        parts.bank_account = Some(BankAccount::restore("DE89370400440532013000".into()));
        parts.version = Version(7);
        Profile::restore(parts)
    }

    #[test]
    fn a_restored_profile_is_the_one_taken_apart() {
        let profile = alice();
        assert_eq!(profile.version(), Version(7));
        assert_eq!(Profile::restore(profile.clone().into_parts()), profile);
    }

    #[test]
    fn a_visible_profile_gives_private_fields_only_to_who_may_see_them() {
        let stranger = Actor { user_id: UserId(2), role: Role::new(1, "user", Default::default()) };
        let seen = alice().visible_to(Some(&stranger));
        assert_eq!((seen.email(), seen.bank_account()), (None, None));
        assert_eq!((seen.username().as_str(), seen.version()), ("alice", Version(7)));

        let own = alice().visible_to_owner();
        assert_eq!(own.email().map(Email::as_str), Some("alice@example.com"));
        assert_eq!(
            own.bank_account().and_then(Option::as_ref).map(BankAccount::as_str),
            Some("DE89370400440532013000")
        );
    }
}
