//! Serving stored image files.

use std::sync::Arc;

use crate::AppError;
use crate::ports::MediaStore;
use crate::ports::media_store::MediaObject;

/// Reads an object from the media store.
#[derive(Clone)]
pub struct FetchMedia {
    media: Arc<dyn MediaStore>,
}

impl FetchMedia {
    /// Wires the use case.
    pub fn new(media: Arc<dyn MediaStore>) -> Self {
        Self { media }
    }

    /// The object with `key`.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for anything that is not a stored object.
    #[tracing::instrument(level = "debug", name = "fetch_media", skip_all, fields(key = key))]
    pub async fn execute(&self, key: &str) -> Result<MediaObject, AppError> {
        self.media.get(key).await?.ok_or(AppError::NotFound)
    }
}
