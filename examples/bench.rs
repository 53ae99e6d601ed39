//! The speed benchmark: `cargo run --release --example bench -- --steps 1000,5000,20000`.
//!
//! For each size it generates a synthetic program (see `gen`), then measures, each figure in
//! a fresh child process so that peak memory does not mix:
//! - the FLOOR: a minimal rayon pass that reads every Markdown file, splits the front matter,
//!   parses the YAML, renders the Markdown with pulldown-cmark and writes one HTML file each;
//! - a full clean `steg build` (bundle and preview; the default, which does not minify, and
//!   `--release`, which minifies the preview), by running the release binary on the program
//!   with every steg approved;
//! - serve-style rebuilds with warm caches: nothing changed, one steg edited, the theme
//!   changed, as `steg serve` does them (`serve::Rebuilder`): for an edit, the time until
//!   the edited steg is served and until the overview pages are too;
//! - `steg serve` itself, over HTTP: the time from saving a steg to its page served with the
//!   edit (what the browser's reload gets), and to the dossier (every steg in full) with it.
//!
//! Wall times are the median of `--runs` runs (default 3); peak memory is the child's
//! maximum resident set size as reported by `wait4`.

#[path = "common/synth.rs"]
mod synth;

use rayon::prelude::*;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[repr(C)]
struct Rusage {
    utime: [i64; 2],
    stime: [i64; 2],
    maxrss: i64,
    rest: [i64; 13],
}

unsafe extern "C" {
    fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
}

/// What a child process did: wall time, peak RSS in bytes, its standard output.
struct Run {
    wall: Duration,
    peak: u64,
    stdout: String,
}

/// Runs `cmd` to the end; its own peak memory comes from `wait4`, so runs do not mix.
// The child is reaped by `wait4`, not `Child::wait`, which would not report its rusage.
#[allow(clippy::zombie_processes)]
fn measure(cmd: &mut Command) -> Run {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start the child process");
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let _ = err.read_to_string(&mut stderr);
        stderr
    });
    let _ = out.read_to_string(&mut stdout);
    let stderr = reader.join().unwrap_or_default();
    let mut status = 0i32;
    let mut usage = Rusage {
        utime: [0; 2],
        stime: [0; 2],
        maxrss: 0,
        rest: [0; 13],
    };
    // SAFETY: `usage` and `status` are valid for writes; the pid is our own child's.
    let pid = unsafe { wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert!(pid > 0, "wait4 failed");
    let code = (status >> 8) & 0xff;
    if status & 0x7f != 0 || code != 0 {
        panic!("{cmd:?} failed (status {status}):\n{stderr}");
    }
    Run {
        wall,
        peak: usage.maxrss as u64 * 1024,
        stdout,
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mb(b: u64) -> f64 {
    b as f64 / 1048576.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        match args.get(1).map(String::as_str) {
            Some("floor") => floor(Path::new(&args[2]), Path::new(&args[3])),
            Some("serve") => serve(Path::new(&args[2])),
            _ => panic!("unknown child"),
        }
        return;
    }
    let mut steps = vec![1000usize, 5000, 20000];
    let mut dir = PathBuf::from("/dev/shm/steg-bench");
    let mut bin = PathBuf::from("target/release/steg");
    let mut runs = 3usize;
    let mut shapes = vec![synth::Shape::Many, synth::Shape::One];
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let v = it.next().unwrap_or_default();
        match a.as_str() {
            "--steps" => steps = v.split(',').filter_map(|s| s.trim().parse().ok()).collect(),
            "--dir" => dir = PathBuf::from(v),
            "--bin" => bin = PathBuf::from(v),
            "--runs" => runs = v.parse().unwrap_or(runs).max(1),
            "--shape" => shapes = v.split(',').filter_map(synth::Shape::parse).collect(),
            _ => {
                eprintln!(
                    "usage: bench [--steps 1000,5000,20000] [--shape many,one] [--dir /dev/shm/steg-bench] [--bin target/release/steg] [--runs 3]"
                );
                std::process::exit(2);
            }
        }
    }
    let me = std::env::current_exe().expect("current exe");
    let mut rows = Vec::new();
    let cases: Vec<(synth::Shape, usize)> = shapes
        .iter()
        .flat_map(|&shape| steps.iter().map(move |&n| (shape, n)))
        .collect();
    for (shape, n) in cases {
        let content = dir.join(format!("content-{}-{n}", shape.name()));
        let _ = std::fs::remove_dir_all(&content);
        let summary = synth::generate(&content, n, 1, shape).expect("generate");
        eprintln!(
            "generated {n} steg in {} moment(s) ({} media files, {:.1} MB) in {}",
            summary.moments,
            summary.media,
            summary.bytes as f64 / 1e6,
            content.display()
        );
        // Approve everything, as a program about to ship is, so that `--release` builds.
        let mut moments: Vec<String> = std::fs::read_dir(&content)
            .expect("content")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        moments.sort();
        for m in &moments {
            measure(
                Command::new(&bin)
                    .args(["review", "approve", "/", "--recursive", "--by", "Bench"])
                    .arg("--content")
                    .arg(&content)
                    .args(["--moment", m, "--date", "2026-01-01"]),
            );
        }
        let out = dir.join(format!("out-{}-{n}", shape.name()));
        let clean = || {
            let _ = std::fs::remove_dir_all(&out);
        };
        let timed = |cmd: &dyn Fn() -> Command| {
            let mut walls = Vec::new();
            let mut peak = 0;
            let mut stdout = String::new();
            for _ in 0..runs {
                clean();
                let r = measure(&mut cmd());
                walls.push(r.wall);
                peak = peak.max(r.peak);
                stdout = r.stdout;
            }
            (median(walls), peak, stdout)
        };
        let (floor_t, floor_mem, _) = timed(&|| {
            let mut c = Command::new(&me);
            c.arg("--child").arg("floor").arg(&content).arg(&out);
            c
        });
        let (build_t, build_mem, _) = timed(&|| {
            let mut c = Command::new(&bin);
            c.arg("build").arg(&content).arg("--out").arg(&out);
            c
        });
        let (release_t, release_mem, _) = timed(&|| {
            let mut c = Command::new(&bin);
            c.arg("build")
                .arg(&content)
                .arg("--out")
                .arg(&out)
                .arg("--release");
            c
        });
        clean();
        let serve_run = measure(Command::new(&me).arg("--child").arg("serve").arg(&content));
        let http = serve_http(&bin, &content);
        let row = format!(
            "| {n} in {} | {:.2} s ({:.0} MB) | {:.2} s ({:.0} MB) | {:.2}× | {:.2} s ({:.0} MB) | {:.2}× | {} | {http} |",
            if summary.moments == 1 {
                "1 moment".to_string()
            } else {
                format!("{} moments", summary.moments)
            },
            floor_t.as_secs_f64(),
            mb(floor_mem),
            build_t.as_secs_f64(),
            mb(build_mem),
            build_t.as_secs_f64() / floor_t.as_secs_f64(),
            release_t.as_secs_f64(),
            mb(release_mem),
            release_t.as_secs_f64() / floor_t.as_secs_f64(),
            serve_run.stdout.trim(),
        );
        eprintln!("{row}");
        rows.push(row);
    }
    println!(
        "\noutput in {} ({}), median of {runs} runs\n",
        dir.display(),
        if dir.starts_with("/dev/shm") {
            "tmpfs"
        } else {
            "disk"
        }
    );
    println!(
        "| steg | floor (peak RSS) | steg build (peak RSS) | ÷ floor | build --release, minified (peak RSS) | ÷ floor | rebuilds: first / no-op / one steg edited: shown, all / theme changed (files read) | `steg serve` over HTTP, one steg edited: page served, dossier served |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
    for r in rows {
        println!("{r}");
    }
}

/// The floor: the least any tool must do for this content.
fn floor(content: &Path, out: &Path) {
    let files: Vec<PathBuf> = walkdir::WalkDir::new(content)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    std::fs::create_dir_all(out).expect("create out");
    files.par_iter().enumerate().for_each(|(i, f)| {
        let text = std::fs::read_to_string(f).expect("read");
        let (yaml, body) = match text
            .strip_prefix("---\n")
            .and_then(|r| r.split_once("\n---\n"))
        {
            Some((y, b)) => (y, b),
            None => ("{}", text.as_str()),
        };
        let front: serde_json::Value = serde_saphyr::from_str(yaml).expect("yaml");
        std::hint::black_box(&front);
        let mut html = String::with_capacity(body.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(body));
        std::fs::write(out.join(format!("{i}.html")), html).expect("write");
    });
}

/// Rebuilds as `steg serve` does them, through the same code (`steg_compiler::serve::Rebuilder`):
/// the first build; a no-op (a steg saved without a change); one steg edited (until its page
/// is served, and until the overview pages are); the theme's stylesheet edited. Each figure
/// is the time from the changed path to the served site updated.
fn serve(content: &Path) {
    use steg_compiler::serve::{Outcome, Rebuilder};
    let theme_dir = std::env::temp_dir().join(format!("steg-bench-theme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&theme_dir);
    copy_dir(Path::new("themes/default"), &theme_dir);
    let mut rebuilder = Rebuilder::new(content.to_path_buf(), Some(theme_dir.clone()));
    let rebuild = |rebuilder: &mut Rebuilder, changed: &[PathBuf]| -> (Duration, usize) {
        let t = Instant::now();
        let outcome = rebuilder.rebuild(changed);
        let took = t.elapsed();
        match outcome {
            Outcome::Built { files_read, .. } => (took, files_read),
            Outcome::Unchanged => (took, 0),
            Outcome::Failed { diagnostics, .. } => panic!("the rebuild failed: {diagnostics:?}"),
        }
    };
    let (first, _) = rebuild(&mut rebuilder, &[]);
    let edited = content.join("program-1/01-modul-1/02-avsnitt-2/03-steg-3.md");
    let original = std::fs::read_to_string(&edited).expect("read the steg");
    let noop = median(
        (0..5)
            .map(|_| {
                std::fs::write(&edited, &original).expect("save");
                rebuild(&mut rebuilder, std::slice::from_ref(&edited)).0
            })
            .collect(),
    );
    // An edit as the server does it: the edited steg shown, then the overview pages.
    let (shown, whole): (Vec<Duration>, Vec<Duration>) = (0..5)
        .map(|k| {
            std::fs::write(&edited, format!("{original}\nEn ändring nummer {k}.\n")).expect("edit");
            let t = Instant::now();
            match rebuilder.show(std::slice::from_ref(&edited)) {
                Outcome::Built { files_read: 1, .. } => {}
                other => panic!("the edit was not shown: {other:?}"),
            }
            let shown = t.elapsed();
            if let Some(Outcome::Failed { diagnostics, .. }) = rebuilder.finish() {
                panic!("the overview pages failed: {diagnostics:?}");
            }
            (shown, t.elapsed())
        })
        .unzip();
    let (shown, whole) = (median(shown), median(whole));
    std::fs::write(&edited, &original).expect("restore");
    rebuilder.rebuild(std::slice::from_ref(&edited));
    let mut theme_times = Vec::new();
    let mut theme_read = 0;
    for k in 0..3 {
        let css = theme_dir.join("static/style.css");
        let mut text = std::fs::read_to_string(&css).unwrap_or_default();
        text.push_str(&format!("\n/* {k} */\n"));
        std::fs::write(&css, text).expect("edit the theme");
        let (took, read) = rebuild(&mut rebuilder, &[css]);
        theme_read += read;
        theme_times.push(took);
    }
    let _ = std::fs::remove_dir_all(&theme_dir);
    println!(
        "{:.2} s / {:.1} ms / {:.1} ms, {:.0} ms / {:.0} ms ({theme_read})",
        first.as_secs_f64(),
        ms(noop),
        ms(shown),
        ms(whole),
        ms(median(theme_times)),
    );
}

/// `steg serve` itself, on a free port: five times, a steg is saved and its page fetched
/// over HTTP until it shows the edit (what the browser's reload gets, the file watcher's
/// settling time included), then the dossier (which shows every steg in full, and is
/// rendered after). Each figure is the median time from the save.
fn serve_http(bin: &Path, content: &Path) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut server = Command::new(bin)
        .arg("serve")
        .arg(content)
        .args(["--port", &port.to_string(), "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start steg serve");
    let page = "program-1/steg/modul-1/avsnitt-2/steg-3.html";
    let dossier = "program-1/dossier.html";
    let started = Instant::now();
    while get(port, page).is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "steg serve did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let edited = content.join("program-1/01-modul-1/02-avsnitt-2/03-steg-3.md");
    let original = std::fs::read_to_string(&edited).expect("read the steg");
    let until = |path: &str, marker: &str, t: Instant| {
        while !get(port, path).is_some_and(|body| body.contains(marker)) {
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "{path} never showed the edit"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        t.elapsed()
    };
    let (visible, whole): (Vec<Duration>, Vec<Duration>) = (0..5)
        .map(|k| {
            // Whatever the last edit started is done by now.
            std::thread::sleep(Duration::from_secs(3));
            let marker = format!("Ändring över HTTP nummer {k}.");
            std::fs::write(&edited, format!("{original}\n{marker}\n")).expect("edit");
            let t = Instant::now();
            (until(page, &marker, t), until(dossier, &marker, t))
        })
        .unzip();
    std::fs::write(&edited, &original).expect("restore");
    let _ = server.kill();
    let _ = server.wait();
    format!("{:.0} ms, {:.0} ms", ms(median(visible)), ms(median(whole)))
}

/// The body of `GET /path` from the server on `port`, when it answers 200.
fn get(port: u16, path: &str) -> Option<String> {
    use std::io::Write as _;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response
        .starts_with("HTTP/1.1 200")
        .then(|| {
            response
                .split_once("\r\n\r\n")
                .map(|(_, body)| body.to_string())
        })
        .flatten()
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = e.path().strip_prefix(from).expect("prefix");
        let target = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}
