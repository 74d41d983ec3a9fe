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
        /// A user's profile. Every field holds a valid value by construction;
        /// change it through [`Profile::apply`], which enforces who may change what
        /// and maintains `version` and `updated_at`. Fields are public so storage
        /// adapters can read and rebuild profiles; the editable ones are declared in
        /// [`for_each_profile_field!`](crate::for_each_profile_field).
        ///
        /// Private fields (`email`, `birthdate`, `bank_account`) are shown only to
        /// viewers for whom [`Profile::can_see_private`] holds: a viewer gets
        /// [`Profile::visible_to`], never the profile itself.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Profile {
            /// Server-assigned id.
            pub id: UserId,
            $($(#[$doc])* pub $field: $pt,)*
            /// When the profile was created.
            pub created_at: DateTime<Utc>,
            /// When the profile last changed.
            pub updated_at: DateTime<Utc>,
            /// Revision, for optimistic concurrency.
            pub version: Version,
        }

        /// A profile as one viewer may see it: a private field is `None` when
        /// the viewer may not see it, `Some(value)` when they may. Built by
        /// [`Profile::visible_to`], so a presenter cannot show what the viewer
        /// may not see.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct VisibleProfile {
            /// Server-assigned id.
            pub id: UserId,
            $($(#[$doc])* pub $field: visible_type!($vis $pt),)*
            /// When the profile was created.
            pub created_at: DateTime<Utc>,
            /// When the profile last changed.
            pub updated_at: DateTime<Utc>,
            /// Revision, for optimistic concurrency.
            pub version: Version,
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
                }
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
                }
            }
        }
    };
}

/// A field's type in [`VisibleProfile`].
macro_rules! visible_type {
    (public $pt:ty) => { $pt };
    (private $pt:ty) => { Option<$pt> };
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
        Profile { updated_at: now, version: self.version.next(), ..self.clone() }
    }

    /// True when `viewer` may see the private fields: the owner, or a holder
    /// of `profiles.read_private`. Anonymous viewers may not.
    pub fn can_see_private(&self, viewer: Option<&Actor>) -> bool {
        viewer.is_some_and(|v| v.is(self.id) || v.can(Privilege::ReadPrivateProfiles))
    }
}
