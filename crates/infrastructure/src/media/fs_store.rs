//! Media on the local filesystem (the default; `media.dir`).

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use profile_application::ports::media_store::{MediaError, MediaObject, MediaStore};

use super::key::{content_type, key_for};

/// Files under a root folder, sharded by the first two hex digits of the key.
/// Writes go to a temporary file that is renamed into place, so readers
/// never see a partial file.
#[derive(Debug, Clone)]
pub struct FsMediaStore {
    root: PathBuf,
}

impl FsMediaStore {
    /// A store under `root` (created when missing).
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, MediaError> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(|e| {
            MediaError::unavailable(format!("cannot create media folder {}", root.display()), e)
        })?;
        Ok(Self { root })
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(&key[..2]).join(key)
    }
}

/// Every I/O failure (disk full, read-only, not a folder) makes the store
/// unavailable: nothing in a request can cause one.
fn io(error: std::io::Error, path: &Path) -> MediaError {
    MediaError::unavailable(path.display().to_string(), error)
}

#[async_trait]
impl MediaStore for FsMediaStore {
    #[tracing::instrument(level = "debug", name = "media.put", skip_all, fields(store = "fs", bytes = bytes.len(), content_type = content_type))]
    async fn put(&self, owner: &str, bytes: Vec<u8>, content_type: &str) -> Result<String, MediaError> {
        let key = key_for(owner, &bytes, content_type);
        let path = self.path(&key);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(key);
        }
        let folder = path.parent().unwrap_or(&self.root).to_owned();
        tokio::fs::create_dir_all(&folder).await.map_err(|e| io(e, &folder))?;
        let temporary = folder.join(format!(".{key}.{}.tmp", uuid::Uuid::new_v4().simple()));
        if let Err(error) = tokio::fs::write(&temporary, &bytes).await {
            let _ = tokio::fs::remove_file(&temporary).await;
            return Err(io(error, &temporary));
        }
        if let Err(error) = tokio::fs::rename(&temporary, &path).await {
            let _ = tokio::fs::remove_file(&temporary).await;
            return Err(io(error, &path));
        }
        Ok(key)
    }

    #[tracing::instrument(level = "debug", name = "media.get", skip_all, fields(store = "fs", key = key))]
    async fn get(&self, key: &str) -> Result<Option<MediaObject>, MediaError> {
        let Some(content_type) = content_type(key) else { return Ok(None) };
        let path = self.path(key);
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(MediaObject { bytes, content_type: content_type.to_owned() })),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(io(error, &path)),
        }
    }

    #[tracing::instrument(level = "debug", name = "media.delete", skip_all, fields(store = "fs", key = key))]
    async fn delete(&self, key: &str) -> Result<(), MediaError> {
        if content_type(key).is_none() {
            return Ok(());
        }
        let path = self.path(key);
        match tokio::fs::remove_file(&path).await {
            Err(error) if error.kind() != ErrorKind::NotFound => Err(io(error, &path)),
            _ => Ok(()),
        }
    }
}
