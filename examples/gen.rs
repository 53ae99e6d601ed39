//! Writes a synthetic program for benchmarks:
//! `cargo run --release --example gen -- --steps N --out DIR [--seed S] [--shape many|one]`
//! (`many`: moments of at most 1,200 steg, the default; `one`: every steg in one moment).

#[path = "common/synth.rs"]
mod synth;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut steps = 1000usize;
    let mut out: Option<PathBuf> = None;
    let mut seed = 1u64;
    let mut shape = synth::Shape::Many;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next();
        match (a.as_str(), value) {
            ("--steps", Some(v)) => steps = v.parse().unwrap_or(steps),
            ("--out", Some(v)) => out = Some(PathBuf::from(v)),
            ("--seed", Some(v)) => seed = v.parse().unwrap_or(seed),
            ("--shape", Some(v)) if synth::Shape::parse(&v).is_some() => {
                shape = synth::Shape::parse(&v).unwrap_or(shape)
            }
            _ => {
                eprintln!("usage: gen --steps N --out DIR [--seed S] [--shape many|one]");
                return ExitCode::from(2);
            }
        }
    }
    let Some(out) = out else {
        eprintln!("usage: gen --steps N --out DIR [--seed S]");
        return ExitCode::from(2);
    };
    if out.exists() && std::fs::read_dir(&out).is_ok_and(|mut d| d.next().is_some()) {
        eprintln!("error: {} is not empty", out.display());
        return ExitCode::from(2);
    }
    match synth::generate(&out, steps, seed, shape) {
        Ok(s) => {
            println!(
                "wrote {} (shape {}): {} moments, {} moduler, {} avsnitt, {} steg, {} media files, {:.1} MB",
                out.display(),
                shape.name(),
                s.moments,
                s.moduler,
                s.avsnitt,
                s.steg,
                s.media,
                s.bytes as f64 / 1e6
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
