//! Changes to a profile: what to keep, clear or set in each editable field,
//! and how they are read from JSON input (PUT replace and PATCH merge patch).

mod parse;
pub mod raw;

use crate::account::{Email, Username};
use crate::profile::{
    Annotations, BankAccount, Birthdate, Country, Description, DisplayName, EthAddress, FacebookUrl, Gender,
    InstagramUrl, Locale, Location, RoleRequest, TimeZone, TwitterUrl, WebsiteUrl,
};

pub use raw::{ParseContext, RawField, RawProfileInput};

/// What a change does to one field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FieldUpdate<T> {
    /// Leave the field as it is.
    #[default]
    Keep,
    /// Remove the value (optional fields; an empty list for annotations).
    Clear,
    /// Replace the value.
    Set(T),
}

impl<T> FieldUpdate<T> {
    /// True for [`FieldUpdate::Keep`].
    pub fn is_keep(&self) -> bool {
        matches!(self, FieldUpdate::Keep)
    }

    /// The new value, when the update sets one.
    pub fn as_set(&self) -> Option<&T> {
        match self {
            FieldUpdate::Set(value) => Some(value),
            _ => None,
        }
    }

    /// The value of an optional field after the update.
    pub fn applied_to(&self, current: &Option<T>) -> Option<T>
    where
        T: Clone,
    {
        match self {
            FieldUpdate::Keep => current.clone(),
            FieldUpdate::Clear => None,
            FieldUpdate::Set(value) => Some(value.clone()),
        }
    }
}

/// A change to the editable fields of a profile, every value already valid.
///
/// Build it with [`ProfileChange::merge_patch`] or [`ProfileChange::replace`]
/// from [`RawProfileInput`], or directly. `Clear` on a required field
/// (`username`, `email`, `name`, `description`, `locale`, `timezone`,
/// `is_creator`, `role`) is refused by [`Profile::apply`] with
/// `not_nullable`; the parsers never produce it.
///
/// [`Profile::apply`]: crate::profile::Profile::apply
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    /// `username`
    pub username: FieldUpdate<Username>,
    /// `email`
    pub email: FieldUpdate<Email>,
    /// `name`
    pub name: FieldUpdate<DisplayName>,
    /// `description` (`{text, entities: {links}}`)
    pub description: FieldUpdate<Description>,
    /// `location`
    pub location: FieldUpdate<Location>,
    /// `country`
    pub country: FieldUpdate<Country>,
    /// `locale`
    pub locale: FieldUpdate<Locale>,
    /// `timezone`
    pub timezone: FieldUpdate<TimeZone>,
    /// `birthdate`
    pub birthdate: FieldUpdate<Birthdate>,
    /// `gender`
    pub gender: FieldUpdate<Gender>,
    /// `website_url`
    pub website_url: FieldUpdate<WebsiteUrl>,
    /// `twitter_url`
    pub twitter_url: FieldUpdate<TwitterUrl>,
    /// `facebook_url`
    pub facebook_url: FieldUpdate<FacebookUrl>,
    /// `instagram_url`
    pub instagram_url: FieldUpdate<InstagramUrl>,
    /// `eth_address`
    pub eth_address: FieldUpdate<EthAddress>,
    /// `bank_account`
    pub bank_account: FieldUpdate<BankAccount>,
    /// `is_creator`
    pub is_creator: FieldUpdate<bool>,
    /// `annotations` (the whole list)
    pub annotations: FieldUpdate<Annotations>,
    /// `role`, by name
    pub role: FieldUpdate<RoleRequest>,
}

impl ProfileChange {
    /// The JSON names of the fields this change touches (not `Keep`), in
    /// declaration order.
    pub fn touched_fields(&self) -> Vec<&'static str> {
        let fields = [
            ("username", self.username.is_keep()),
            ("email", self.email.is_keep()),
            ("name", self.name.is_keep()),
            ("description", self.description.is_keep()),
            ("location", self.location.is_keep()),
            ("country", self.country.is_keep()),
            ("locale", self.locale.is_keep()),
            ("timezone", self.timezone.is_keep()),
            ("birthdate", self.birthdate.is_keep()),
            ("gender", self.gender.is_keep()),
            ("website_url", self.website_url.is_keep()),
            ("twitter_url", self.twitter_url.is_keep()),
            ("facebook_url", self.facebook_url.is_keep()),
            ("instagram_url", self.instagram_url.is_keep()),
            ("eth_address", self.eth_address.is_keep()),
            ("bank_account", self.bank_account.is_keep()),
            ("is_creator", self.is_creator.is_keep()),
            ("annotations", self.annotations.is_keep()),
            ("role", self.role.is_keep()),
        ];
        fields.into_iter().filter(|(_, keep)| !keep).map(|(name, _)| name).collect()
    }

    /// True when every field is `Keep`.
    pub fn is_empty(&self) -> bool {
        self.touched_fields().is_empty()
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
