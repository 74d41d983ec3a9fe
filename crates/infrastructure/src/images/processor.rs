//! [`ImageProcessor`] on tokio's blocking pool, bounded by a semaphore.

use std::sync::Arc;

use async_trait::async_trait;
use profile_application::Cause;
use profile_application::model::ImageKind;
use profile_application::ports::image_processor::{ImageError, ImageProcessor, ProcessedImage};
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::pipeline::{ImageLimits, process};

/// Runs the pipeline off the async workers; at most `concurrency` images are
/// decoded at once, which bounds peak memory to `concurrency × max_alloc`.
#[derive(Debug, Clone)]
pub struct ImageRsProcessor {
    permits: Arc<Semaphore>,
    limits: ImageLimits,
}

impl ImageRsProcessor {
    /// A processor with `limits`, running `concurrency` images at once (at least one).
    pub fn new(limits: ImageLimits, concurrency: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(concurrency.max(1))), limits }
    }
}

#[async_trait]
impl ImageProcessor for ImageRsProcessor {
    #[tracing::instrument(level = "debug", name = "image.process", skip_all, fields(kind = kind.as_str(), bytes = upload.len()))]
    async fn process(&self, kind: ImageKind, upload: Vec<u8>) -> Result<ProcessedImage, ImageError> {
        let _permit = self.permits.acquire().await.map_err(|e| ImageError::Internal(Cause::new(e)))?;
        let limits = self.limits;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| process(kind, &upload, limits)))
            .instrument(tracing::Span::current())
            .await
            .map_err(|e| ImageError::Internal(Cause::new(e)))?
    }
}
