//! Links the `profiled` release binary with its functions in the order of
//! `symbol-order.txt`: the code a running service executes (requests, the
//! background rounds) placed together, so that the pages the kernel maps
//! around it hold code that runs, not its neighbours. That keeps the
//! resident set small (issue 10: idle RSS) and the hot code dense. The list
//! is made by `make symbol-order` (`bench/symbol_order.py`); a name it lists that the build does
//! not have is skipped, so a stale list costs memory, never correctness.
//! Only for release builds for x86_64 Linux, linked by LLD (Rust's default
//! linker there); `PROFILED_SYMBOL_ORDER=0` turns it off.

use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=symbol-order.txt");
    println!("cargo::rerun-if-env-changed=PROFILED_SYMBOL_ORDER");
    let release = std::env::var("PROFILE").is_ok_and(|profile| profile == "release");
    let linux_x86_64 = std::env::var("TARGET").is_ok_and(|target| target == "x86_64-unknown-linux-gnu");
    let wanted = !std::env::var("PROFILED_SYMBOL_ORDER").is_ok_and(|value| value == "0");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let list = Path::new(&manifest).join("symbol-order.txt");
    if release && linux_x86_64 && wanted && list.exists() {
        println!("cargo::rustc-link-arg-bin=profiled=-Wl,--symbol-ordering-file={}", list.display());
        println!("cargo::rustc-link-arg-bin=profiled=-Wl,--no-warn-symbol-ordering");
    }
}
