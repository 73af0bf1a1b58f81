//! Compresses the fuzz binaries' debug information (zlib): with ASan and line tables each
//! target is ~115 MB uncompressed, ~25 MB compressed. Symbolizers (llvm-symbolizer for ASan
//! reports, std's backtraces for panics) read compressed sections.
fn main() {
    println!("cargo:rustc-link-arg-bins=-Wl,--compress-debug-sections=zlib");
}
