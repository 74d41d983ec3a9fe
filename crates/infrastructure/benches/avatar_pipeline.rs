//! The avatar pipeline on a 3000×2000, ~1 MiB JPEG (decode, orient, crop,
//! resize every size, encode every size), against the anchor measured in the
//! same run: `vipsthumbnail` making one 200×200 crop per image when given 50
//! copies in one invocation. Also the throughput on two threads.
//!
//! `make bench` runs it; figures and ratios go to BENCHMARKS.md.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use profile_application::model::ImageKind;
use profile_infrastructure::images::{ImageLimits, process};

const COPIES: usize = 50;

/// A photo-like 3000×2000 JPEG of about 1 MiB: smooth gradients with
/// texture, so the encoder has real work and the file a realistic size.
fn photo() -> Vec<u8> {
    let image = RgbImage::from_fn(3000, 2000, |x, y| {
        let texture = ((x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 27) as u8;
        Rgb([
            ((x * 255 / 3000) as u8).saturating_add(texture),
            ((y * 255 / 2000) as u8).saturating_add(texture / 2),
            (((x + y) * 255 / 5000) as u8).saturating_sub(texture / 3),
        ])
    });
    let mut bytes = Vec::new();
    image.write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, 80)).expect("encode the sample photo");
    bytes
}

fn copies_folder(photo: &[u8]) -> PathBuf {
    let folder = std::env::temp_dir().join("profiled-bench-photos");
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(folder.join("out")).expect("bench folder");
    for index in 0..COPIES {
        std::fs::write(folder.join(format!("photo{index:02}.jpg")), photo).expect("write a copy");
    }
    folder
}

fn vipsthumbnail_available() -> bool {
    Command::new("vipsthumbnail").arg("--vips-version").output().is_ok_and(|o| o.status.success())
}

fn bench(c: &mut Criterion) {
    let photo = photo();
    eprintln!("sample photo: 3000×2000, {} bytes", photo.len());
    let mut group = c.benchmark_group("avatar_pipeline");
    group.sample_size(20).measurement_time(Duration::from_secs(10));

    group.bench_function("ours_per_image", |b| {
        b.iter(|| process(ImageKind::Avatar, &photo, ImageLimits::default()).expect("avatar"))
    });

    if vipsthumbnail_available() {
        let folder = copies_folder(&photo);
        let inputs: Vec<PathBuf> = (0..COPIES).map(|i| folder.join(format!("photo{i:02}.jpg"))).collect();
        group.bench_function("vipsthumbnail_per_image_of_50", |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let started = Instant::now();
                    let status = Command::new("vipsthumbnail")
                        .args(&inputs)
                        .args(["--size", "200x200", "--smartcrop", "centre", "-o"])
                        .arg(folder.join("out").join("%s.jpg"))
                        .status()
                        .expect("run vipsthumbnail");
                    assert!(status.success());
                    total += started.elapsed() / COPIES as u32;
                }
                total
            })
        });
    } else {
        eprintln!("vipsthumbnail not found (Debian libvips-tools): anchor skipped");
    }

    group.throughput(Throughput::Elements(1));
    group.bench_function("ours_two_threads_per_image", |b| {
        b.iter_custom(|iterations| {
            let per_thread = iterations.div_ceil(2);
            let started = Instant::now();
            std::thread::scope(|scope| {
                for _ in 0..2 {
                    scope.spawn(|| {
                        for _ in 0..per_thread {
                            process(ImageKind::Avatar, &photo, ImageLimits::default()).expect("avatar");
                        }
                    });
                }
            });
            started.elapsed() * u32::try_from(iterations).unwrap_or(u32::MAX)
                / u32::try_from(per_thread * 2).unwrap_or(u32::MAX)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
