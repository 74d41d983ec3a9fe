//! Media in an S3-compatible bucket (`object_store`), for deployments with
//! several instances.

use async_trait::async_trait;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};
use profile_application::Cause;
use profile_application::ports::media_store::{MediaError, MediaObject, MediaStore};
use secrecy::{ExposeSecret, SecretString};

use super::key::{content_type, key_for};

/// Where the bucket is and how to reach it.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// Bucket name.
    pub bucket: String,
    /// Region (any value for S3-compatible servers).
    pub region: String,
    /// Endpoint URL for S3-compatible servers; empty for AWS.
    pub endpoint: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key; `Debug` shows it redacted.
    pub secret_access_key: SecretString,
    /// Key prefix inside the bucket.
    pub prefix: String,
}

/// Objects in a bucket, keyed like [`super::FsMediaStore`].
#[derive(Debug)]
pub struct S3MediaStore {
    store: AmazonS3,
    prefix: String,
}

impl S3MediaStore {
    /// A store on the bucket described by `settings`.
    pub fn new(settings: &S3Settings) -> Result<Self, MediaError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(settings.secret_access_key.expose_secret());
        if !settings.endpoint.is_empty() {
            builder = builder
                .with_endpoint(&settings.endpoint)
                .with_allow_http(settings.endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(|e| MediaError::Other(Cause::new(e)))?;
        Ok(Self { store, prefix: settings.prefix.trim_matches('/').to_owned() })
    }

    fn path(&self, key: &str) -> Path {
        if self.prefix.is_empty() { Path::from(key) } else { Path::from(format!("{}/{key}", self.prefix)) }
    }
}

/// Requests that failed on the way (connection refused or reset, timeouts,
/// server errors after the client's retries) make the store unavailable;
/// what a retry cannot fix (a bad path, missing permissions or
/// configuration) is reported as such.
fn s3(error: object_store::Error) -> MediaError {
    use object_store::Error;
    match error {
        Error::Generic { .. } | Error::JoinError { .. } => MediaError::unavailable("S3 request", error),
        other => MediaError::Other(Cause::new(other)),
    }
}

#[async_trait]
impl MediaStore for S3MediaStore {
    #[tracing::instrument(level = "debug", name = "media.put", skip_all, fields(store = "s3", bytes = bytes.len(), content_type = content_type))]
    async fn put(&self, owner: &str, bytes: Vec<u8>, content_type: &str) -> Result<String, MediaError> {
        let key = key_for(owner, &bytes, content_type);
        // A single PUT is atomic in S3: readers see the old state or the whole object.
        self.store.put(&self.path(&key), PutPayload::from(bytes)).await.map_err(s3)?;
        Ok(key)
    }

    #[tracing::instrument(level = "debug", name = "media.get", skip_all, fields(store = "s3", key = key))]
    async fn get(&self, key: &str) -> Result<Option<MediaObject>, MediaError> {
        let Some(content_type) = content_type(key) else { return Ok(None) };
        match self.store.get(&self.path(key)).await {
            Ok(result) => {
                let bytes = result.bytes().await.map_err(s3)?;
                Ok(Some(MediaObject { bytes: bytes.to_vec(), content_type: content_type.to_owned() }))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(s3(error)),
        }
    }

    #[tracing::instrument(level = "debug", name = "media.delete", skip_all, fields(store = "s3", key = key))]
    async fn delete(&self, key: &str) -> Result<(), MediaError> {
        if content_type(key).is_none() {
            return Ok(());
        }
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(s3(error)),
        }
    }
}
