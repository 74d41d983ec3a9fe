//! `profile-fuzz`: the checks behind the `cargo fuzz` targets, one module per
//! target. Each `check(data)` turns arbitrary bytes into input for one part
//! of the service and panics when a promise is broken: a parser or the
//! pipeline panicking on its own is a bug, and so is a result that breaks
//! the rules asserted here (round trips, entity positions, escaping,
//! idempotence).
//!
//! The same checks run without libFuzzer: each target's binary replays the
//! files it is given, and the tests below replay every committed seed
//! (`fuzz/seeds/<target>/`, found crashes included) in the ordinary test run.

use std::path::Path;

pub mod description;
pub mod image_pipeline;
pub mod profile_change;
pub mod value_parsers;

/// Runs `check` on every file named on the command line, or on every file
/// inside a folder named there; prints how many it ran.
///
/// # Errors
/// When a path cannot be read.
pub fn replay_args(check: fn(&[u8])) -> std::io::Result<()> {
    let mut count = 0;
    for arg in std::env::args_os().skip(1) {
        count += replay(Path::new(&arg), check)?;
    }
    println!("{count} inputs replayed");
    Ok(())
}

/// Runs `check` on `path`, or on every file under it when it is a folder;
/// returns how many inputs ran.
///
/// # Errors
/// When a path cannot be read.
pub fn replay(path: &Path, check: fn(&[u8])) -> std::io::Result<usize> {
    if !path.is_dir() {
        check(&std::fs::read(path)?);
        return Ok(1);
    }
    let mut entries: Vec<_> = std::fs::read_dir(path)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::path);
    let mut count = 0;
    for entry in entries {
        count += replay(&entry.path(), check)?;
    }
    Ok(count)
}

/// Splits off the first byte (a selector) from the rest.
fn selector(data: &[u8]) -> Option<(u8, &[u8])> {
    data.split_first().map(|(first, rest)| (*first, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds(target: &str, check: fn(&[u8])) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds").join(target);
        let count = replay(&dir, check).unwrap();
        assert!(count > 0, "no seeds in {}", dir.display());
    }

    #[test]
    fn description_seeds_keep_every_promise() {
        seeds("description", description::check);
    }

    #[test]
    fn profile_change_seeds_keep_every_promise() {
        seeds("profile_change", profile_change::check);
    }

    #[test]
    fn value_parser_seeds_keep_every_promise() {
        seeds("value_parsers", value_parsers::check);
    }

    #[test]
    fn image_pipeline_seeds_keep_every_promise() {
        seeds("image_pipeline", image_pipeline::check);
    }
}
