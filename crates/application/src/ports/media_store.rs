//! Where image files live.

use async_trait::async_trait;

use crate::Cause;

/// Failure of a media store.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The store could not be reached or could not read or write (a disk
    /// full or read-only, a folder that cannot be made, a bucket that does
    /// not answer): a dependency is down, and retrying later may help.
    #[error("media store unavailable: {context}")]
    Unavailable {
        /// What the store was doing, and where.
        context: String,
        /// The I/O or client error behind it.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Anything else: a store set up wrongly, or a broken invariant.
    #[error("media store failed")]
    Other(#[source] Cause),
}

impl MediaError {
    /// [`MediaError::Unavailable`] while doing `context`, because of `source`.
    pub fn unavailable(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        MediaError::Unavailable { context: context.into(), source: source.into() }
    }
}

/// A stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaObject {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Their media type.
    pub content_type: String,
}

/// Content-addressed object storage shared by every instance.
///
/// # Errors
/// Every method MUST return [`MediaError::Unavailable`] when the store cannot
/// be reached or cannot read or write (I/O and connection failures), and
/// [`MediaError::Other`] only for what retrying cannot fix.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MediaStore: Send + Sync {
    /// Stores `bytes` under a key derived from `owner` and their content, and
    /// returns the key. The same bytes from the same owner give the same key;
    /// different owners never share a key, so deleting one owner's file never
    /// takes another's. A reader never sees a partly written object.
    async fn put(&self, owner: &str, bytes: Vec<u8>, content_type: &str) -> Result<String, MediaError>;

    /// The object with `key`; `None` for a key that is not a stored object
    /// (including keys that are not of the store's form).
    async fn get(&self, key: &str) -> Result<Option<MediaObject>, MediaError>;

    /// Removes the object; removing a missing object is not an error.
    async fn delete(&self, key: &str) -> Result<(), MediaError>;
}
