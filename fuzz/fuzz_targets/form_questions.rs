//! A form's `questions:` list: parsed and checked (types, options, conditions, scores).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(yaml) = std::str::from_utf8(data) {
        let _ = steg_compiler::compile::fuzz::form_questions(yaml);
    }
});
