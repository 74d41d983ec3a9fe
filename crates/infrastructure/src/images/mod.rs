//! Image processing with the `image` crate (decoding, orientation, encoding)
//! and `fast_image_resize` (SIMD cropping and resizing); JPEGs are decoded
//! at a reduced scale by libjpeg-turbo (`mozjpeg`).

mod jpeg;
pub mod pipeline;
pub mod processor;

pub use pipeline::{ImageLimits, process};
pub use processor::ImageRsProcessor;
