//! `cargo fuzz run image_pipeline`; built without `cfg(fuzzing)` it replays the files
//! (or folders) named on its command line through the same check.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| profile_fuzz::image_pipeline::check(data));

#[cfg(not(fuzzing))]
fn main() -> std::io::Result<()> {
    profile_fuzz::replay_args(profile_fuzz::image_pipeline::check)
}
