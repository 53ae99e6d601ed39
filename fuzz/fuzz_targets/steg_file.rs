//! A steg file: front matter split, parsed into the steg's fields (and its form, if any), and
//! its Markdown rendered and sanitized. Any bytes must give diagnostics, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The compiler refuses invalid UTF-8 before this point (E0102), so only text gets here.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = steg_compiler::compile::fuzz::steg_file(text);
    }
});
