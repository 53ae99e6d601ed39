//! A deterministic generator of synthetic programs, shared by the `gen` and `bench` examples.
//!
//! The same seed and step count always give the same files, byte for byte.

use std::fmt::Write as _;
use std::path::Path;

/// SplitMix64: small, fast and good enough for filler text.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.range(0, items.len() - 1)]
    }
}

const WORDS: &[&str] = &[
    "och",
    "att",
    "det",
    "som",
    "en",
    "på",
    "är",
    "av",
    "för",
    "med",
    "till",
    "den",
    "har",
    "inte",
    "om",
    "ett",
    "när",
    "du",
    "kan",
    "man",
    "sig",
    "så",
    "vi",
    "då",
    "hur",
    "sömn",
    "kropp",
    "känsla",
    "tanke",
    "vän",
    "skola",
    "kväll",
    "morgon",
    "ljus",
    "mörker",
    "oro",
    "glädje",
    "trött",
    "pigg",
    "lugn",
    "vardag",
    "familj",
    "prata",
    "läsa",
    "göra",
    "känna",
    "öva",
    "vila",
    "äta",
    "röra",
    "sova",
    "vakna",
    "tänka",
    "må",
    "bra",
    "dåligt",
    "ofta",
    "ibland",
    "alltid",
    "aldrig",
    "lite",
    "mycket",
    "steg",
    "vecka",
    "dag",
    "natt",
    "hjälp",
    "stöd",
    "plan",
    "mål",
    "vana",
    "rutin",
    "hjärta",
    "andas",
    "mage",
    "huvud",
    "tid",
    "säng",
    "mobil",
    "skärm",
    "mat",
    "vatten",
    "promenad",
    "cykel",
    "kompis",
    "förälder",
    "lärare",
];

const TITLES: &[&str] = &[
    "Sömn och vila",
    "Känslor i vardagen",
    "När oron tar över",
    "Tankar som snurrar",
    "Små steg framåt",
    "Vänner och familj",
    "Kroppens signaler",
    "Att må bättre",
    "Planera veckan",
    "Lugn på kvällen",
    "Ljus på morgonen",
    "Prata om det svåra",
];

/// What was generated.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub moments: usize,
    pub moduler: usize,
    pub avsnitt: usize,
    pub steg: usize,
    pub media: usize,
    pub bytes: u64,
}

const STEG_PER_AVSNITT: usize = 8;
const AVSNITT_PER_MODUL: usize = 6;
const MODULER_PER_MOMENT: usize = 25;

/// How the steg are spread over moments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Moments of at most 1,200 steg (25 moduler × 6 avsnitt × 8 steg), as real programs are.
    Many,
    /// Every steg in one moment: the worst case for pages that list a whole moment.
    One,
}

impl Shape {
    pub fn parse(s: &str) -> Option<Shape> {
        match s {
            "many" => Some(Shape::Many),
            "one" => Some(Shape::One),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Shape::Many => "many",
            Shape::One => "one",
        }
    }
}

/// Writes a content folder with `steps` steg under `out` (which must not hold content).
pub fn generate(out: &Path, steps: usize, seed: u64, shape: Shape) -> std::io::Result<Summary> {
    let mut rng = Rng::new(seed);
    let mut sum = Summary::default();
    let per_moment = match shape {
        Shape::Many => STEG_PER_AVSNITT * AVSNITT_PER_MODUL * MODULER_PER_MOMENT,
        Shape::One => steps.max(1),
    };
    let mut left = steps;
    let mut mi = 0;
    while left > 0 {
        mi += 1;
        let n = left.min(per_moment);
        left -= n;
        moment(out, mi, n, &mut rng, &mut sum)?;
    }
    Ok(sum)
}

fn write(path: &Path, text: &str, sum: &mut Summary) -> std::io::Result<()> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p)?;
    }
    sum.bytes += text.len() as u64;
    std::fs::write(path, text)
}

fn sentence(rng: &mut Rng, words: usize, out: &mut String) -> usize {
    let n = rng.range(5, 11).min(words.max(1));
    for i in 0..n {
        let w = rng.pick(WORDS);
        if i == 0 {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                out.extend(f.to_uppercase());
                out.push_str(c.as_str());
            }
        } else {
            out.push(' ');
            if rng.range(0, 30) == 0 {
                let _ = write!(out, "*{w}*");
            } else if rng.range(0, 40) == 0 {
                let _ = write!(out, "**{w}**");
            } else {
                out.push_str(w);
            }
        }
    }
    out.push_str(". ");
    n
}

fn paragraph(rng: &mut Rng, words: usize, out: &mut String) -> usize {
    let mut done = 0;
    while done < words {
        done += sentence(rng, words - done, out);
    }
    out.push_str("\n\n");
    done
}

/// 400 to 700 words with headings, lists, emphasis and links to the neighbouring steg.
fn body(rng: &mut Rng, links: &[(String, String)]) -> String {
    let target = rng.range(380, 600);
    let mut out = String::with_capacity(target * 8);
    let mut words = paragraph(rng, 60, &mut out);
    let mut section = 0;
    while words < target {
        section += 1;
        if section % 3 == 0 {
            let _ = writeln!(out, "### Att tänka på, del {section}\n");
        } else {
            let _ = writeln!(out, "## {} {section}\n", rng.pick(TITLES));
        }
        words += paragraph(rng, 50, &mut out);
        if section % 2 == 1 {
            for _ in 0..rng.range(3, 5) {
                out.push_str("- ");
                words += sentence(rng, 8, &mut out);
                out.push('\n');
            }
            out.push('\n');
        }
        if let Some((title, file)) = links.get(section % links.len().max(1)) {
            let _ = write!(out, "Läs mer i [{title}]({file}). ");
            words += 3;
        }
        words += paragraph(rng, 40, &mut out);
    }
    out
}

fn moment(
    out: &Path,
    mi: usize,
    steps: usize,
    rng: &mut Rng,
    sum: &mut Summary,
) -> std::io::Result<()> {
    sum.moments += 1;
    let dir = out.join(format!("program-{mi}"));
    let mut welcome =
        String::from("## Välkommen\n\nHej! Det här programmet har du fått av {{mottagning}}.\n\n");
    paragraph(rng, 80, &mut welcome);
    write(
        &dir.join("moment.md"),
        &format!(
            "---\ntitle: Program {mi}\nversion: 1.0.0\nlanguage: sv\nsummary: Ett genererat program för mätningar.\nduration_days: 90\naudience:\n  groups: [unga, vardnadshavare]\n  min_age: 12\n  proxy_under_age: 13\nplaceholders:\n  - name: mottagning\n    description: Mottagningens namn.\n    example: Vårdcentralen Exempel\nflags:\n  - id: startat\n    title: Startat moment\n    recipient: invanare\n    trigger: {{ event: moment_started }}\n    message: Nu har ditt program startat.\n---\n{welcome}"
        ),
        sum,
    )?;
    let per_modul = STEG_PER_AVSNITT * AVSNITT_PER_MODUL;
    let mut left = steps;
    let mut modul = 0;
    let mut global = 0;
    while left > 0 {
        modul += 1;
        sum.moduler += 1;
        let mdir = dir.join(format!("{modul:02}-modul-{modul}"));
        let mut intro = String::new();
        paragraph(rng, 40, &mut intro);
        write(
            &mdir.join("modul.md"),
            &format!(
                "---\ntitle: {} {modul}\nsummary: Om {} och vad du kan göra själv.\n---\n{intro}",
                rng.pick(TITLES),
                rng.pick(WORDS)
            ),
            sum,
        )?;
        let in_modul = left.min(per_modul);
        left -= in_modul;
        let mut m_left = in_modul;
        let mut avsnitt = 0;
        while m_left > 0 {
            avsnitt += 1;
            sum.avsnitt += 1;
            let adir = mdir.join(format!("{avsnitt:02}-avsnitt-{avsnitt}"));
            write(
                &adir.join("avsnitt.md"),
                &format!(
                    "---\ntitle: Avsnitt {avsnitt} om {}\n---\n",
                    rng.pick(WORDS)
                ),
                sum,
            )?;
            let n = m_left.min(STEG_PER_AVSNITT);
            m_left -= n;
            let names: Vec<String> = (1..=n).map(|i| format!("{i:02}-steg-{i}.md")).collect();
            for i in 0..n {
                global += 1;
                sum.steg += 1;
                let links: Vec<(String, String)> = names
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(j, f)| (format!("steg {}", j + 1), f.clone()))
                    .collect();
                let text = body(rng, &links);
                let title = format!("{} {modul}.{avsnitt}.{}", rng.pick(TITLES), i + 1);
                let front = match global % 20 {
                    7 => {
                        sum.media += 3;
                        let base = format!("film-{modul}-{avsnitt}-{}", i + 1);
                        let mut vtt = String::from("WEBVTT\n\n");
                        let mut transcript = format!("# Text till filmen {base}\n\n");
                        for c in 0..4 {
                            let mut line = String::new();
                            sentence(rng, 8, &mut line);
                            let _ = write!(
                                vtt,
                                "00:00:{:02}.000 --> 00:00:{:02}.000\n{}\n\n",
                                c * 5,
                                c * 5 + 5,
                                line.trim()
                            );
                            let _ = writeln!(transcript, "{}\n", line.trim());
                        }
                        write(&dir.join(format!("media/{base}.sv.vtt")), &vtt, sum)?;
                        write(&dir.join(format!("media/{base}.transcript.md")), &transcript, sum)?;
                        let bytes: Vec<u8> = (0..64).map(|_| rng.next() as u8).collect();
                        let webm = dir.join(format!("media/{base}.webm"));
                        sum.bytes += bytes.len() as u64;
                        std::fs::write(webm, bytes)?;
                        format!("type: video\nsrc: /media/{base}.webm\ncaptions: /media/{base}.sv.vtt\ntranscript: /media/{base}.transcript.md\nduration_seconds: 60\n")
                    }
                    13 => "type: form\nquestions:\n  - id: humor\n    type: scale\n    label: Hur har du mått den senaste veckan?\n    required: true\n    min: 0\n    max: 10\n    min_label: Dåligt\n    max_label: Bra\n  - id: val\n    type: single_choice\n    label: Vad vill du öva på?\n    options:\n      - { value: somn, label: Sömn }\n      - { value: oro, label: Oro }\n  - id: tankar\n    type: long_text\n    label: Vad tänker du på?\n".to_string(),
                    3 | 17 => "type: exercise\nfields:\n  - id: plan\n    label: Vad ska du göra i veckan?\n    multiline: true\n".to_string(),
                    _ => String::new(),
                };
                write(
                    &adir.join(&names[i]),
                    &format!("---\ntitle: {title}\n{front}---\n{text}"),
                    sum,
                )?;
            }
        }
    }
    Ok(())
}
