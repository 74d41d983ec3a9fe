//! The profile aggregate: everything a user shows and keeps about themselves.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::account::{Email, Username};
use crate::profile::{
    Actor, Annotations, BankAccount, Birthdate, Country, Description, DisplayName, EthAddress, FacebookUrl,
    Gender, InstagramUrl, Locale, Location, TimeZone, TwitterUrl, WebsiteUrl,
};
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

/// A user's profile. Every field holds a valid value by construction;
/// change it through [`Profile::apply`], which enforces who may change what
/// and maintains `version` and `updated_at`. Fields are public so storage
/// adapters and response mappers can read and rebuild profiles.
///
/// Private fields (`email`, `birthdate`, `bank_account`) are shown only to
/// viewers for whom [`Profile::can_see_private`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Server-assigned id.
    pub id: UserId,
    /// Public handle.
    pub username: Username,
    /// Email address (private).
    pub email: Email,
    /// Display name.
    pub name: DisplayName,
    /// Description; the text may be empty.
    pub description: Description,
    /// Free-text location.
    pub location: Option<Location>,
    /// Country.
    pub country: Option<Country>,
    /// Language and region.
    pub locale: Locale,
    /// Time zone.
    pub timezone: TimeZone,
    /// Date of birth (private).
    pub birthdate: Option<Birthdate>,
    /// Gender.
    pub gender: Option<Gender>,
    /// Personal web site.
    pub website_url: Option<WebsiteUrl>,
    /// Twitter/X page.
    pub twitter_url: Option<TwitterUrl>,
    /// Facebook page.
    pub facebook_url: Option<FacebookUrl>,
    /// Instagram page.
    pub instagram_url: Option<InstagramUrl>,
    /// Ethereum address.
    pub eth_address: Option<EthAddress>,
    /// Bank account (private).
    pub bank_account: Option<BankAccount>,
    /// Whether the user is a creator; only `profiles.write_any` sets it.
    pub is_creator: bool,
    /// App-defined metadata.
    pub annotations: Annotations,
    /// Role; only `users.manage` changes it.
    pub role: Role,
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
        Self {
            id,
            name: DisplayName::from(&username),
            username,
            email,
            description: Description::default(),
            location: None,
            country: None,
            locale: Locale::default(),
            timezone: TimeZone::default(),
            birthdate: None,
            gender: None,
            website_url: None,
            twitter_url: None,
            facebook_url: None,
            instagram_url: None,
            eth_address: None,
            bank_account: None,
            is_creator: false,
            annotations: Annotations::default(),
            role,
            created_at: now,
            updated_at: now,
            version: Version::INITIAL,
        }
    }

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
