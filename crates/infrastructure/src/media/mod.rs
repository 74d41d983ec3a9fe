//! Media stores: content-addressed image files on the filesystem or in an
//! S3-compatible bucket.

pub mod fs_store;
pub mod key;
pub mod s3_store;

pub use fs_store::FsMediaStore;
pub use s3_store::{S3MediaStore, S3Settings};
