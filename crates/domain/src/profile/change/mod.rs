//! Changes to a profile: what to keep, clear or set in each editable field,
//! and how they are read from JSON input (PUT replace and PATCH merge patch).

mod parse;
pub mod raw;

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

macro_rules! define_change {
    ($($(#[$doc:meta])* $field:ident: $pt:ty, $ct:ty => $wire:literal, $rule:ident, $vis:ident, $kind:ident;)*) => {
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
            $($(#[$doc])* pub $field: FieldUpdate<$ct>,)*
        }

        impl ProfileChange {
            /// The JSON names of the fields this change touches (not `Keep`), in
            /// declaration order.
            pub fn touched_fields(&self) -> Vec<&'static str> {
                let fields = [$(($wire, self.$field.is_keep())),*];
                fields.into_iter().filter(|(_, keep)| !keep).map(|(name, _)| name).collect()
            }
        }
    };
}

crate::for_each_profile_field!(define_change);

impl ProfileChange {
    /// True when every field is `Keep`.
    pub fn is_empty(&self) -> bool {
        self.touched_fields().is_empty()
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
