//! Where image files live.

use async_trait::async_trait;

/// Failure of a media store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("media store: {0}")]
pub struct MediaError(pub String);

/// A stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaObject {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Their media type.
    pub content_type: String,
}

/// Content-addressed object storage shared by every instance.
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
