//! Intake aids (issue 5): the special-personal-data detector and the pupil name matcher.
//!
//! - **detector** — `intake::detect` over N made-up report descriptions of about 500 characters
//!   (Dutch and English sentences a child might write; about one in three holds a term, a phone
//!   number, an e-mail address or a street address). One thread; after a warm-up round, R timed
//!   rounds over all N; prints the time per round (SPEC: 10,000 reports in < 100 ms), per report, MB/s
//!   and the hits found. Also the one-off cost of compiling the lexicons.
//! - **name matcher** — a demo roster of P pupils (`demo::roster`), `NameIndex::new` once, then M typed
//!   names made from roster pupils the way children type them (given name only, lower case, a nickname,
//!   a spelling slip, particles abbreviated, family name first, "uit groep 6b") and a tenth that name
//!   nobody. Prints the index build time, p50/p99/max per name (SPEC: < 1 ms per name against 2,000
//!   pupils) and how often the pupil meant is among the suggestions.
//!
//! Run: `cargo run --release -p signaal-bench --bin special_detect -- [--reports 10000] [--pupils 1000]
//! [--names 1000] [--rounds 20]`

// A measuring tool: a failed step should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use clap::Parser;
use signaal_domain::demo::{self, DemoRng};
use signaal_domain::intake::special::BUILTIN_LEXICONS;
use signaal_domain::intake::{Candidate, Detector, Language, NameIndex, SpecialKind};
use signaal_domain::roster::RosterEntry;
use signaal_domain::{PupilId, intake};

#[derive(Parser)]
struct Args {
    /// Report descriptions for the detector.
    #[arg(long, default_value_t = 10_000)]
    reports: usize,
    /// Pupils in the roster for the name matcher.
    #[arg(long, default_value_t = 1_000)]
    pupils: usize,
    /// Typed names to match.
    #[arg(long, default_value_t = 1_000)]
    names: usize,
    /// Timed rounds of the detector.
    #[arg(long, default_value_t = 20)]
    rounds: usize,
}

/// Sentences without anything to flag.
const PLAIN: &[&str] = &[
    "Hij duwt mij elke pauze tegen het hek en iedereen lacht dan mee.",
    "In de klas fluisteren ze gemene dingen als de juf het niet hoort.",
    "Ze pakken mijn pet af en gooien hem over het hek naar de straat.",
    "Bij het buitenspelen mag ik nooit meedoen met voetbal of tikkertje.",
    "In de groepsapp zetten ze foto's van mij met rare teksten erbij.",
    "Na school wachten ze bij het fietsenhok en roepen ze lelijke woorden.",
    "Mijn tekening is kapotgemaakt en mijn jas lag buiten in de regen.",
    "Ik durf niet meer naar de wc omdat ze daar op mij wachten.",
    "He keeps pushing me in the corridor when the teacher is not looking.",
    "They took my lunch box and threw it in the bin behind the gym.",
    "Het gebeurt bijna elke dag, op het schoolplein en op weg naar huis.",
    "Sinds groep 6 is het steeds erger geworden en niemand doet iets.",
];

/// Sentences with something to flag.
const FLAGGED: &[&str] = &[
    "Ze zeggen dat alle moslims stom zijn en trekken aan haar hoofddoek.",
    "Hij noemt hem steeds autist en lacht om zijn ADHD medicijnen.",
    "Ze roepen homo naar hem als hij langs loopt in de gang.",
    "Zijn broer is door de politie opgepakt, zeggen ze tegen iedereen.",
    "Ze maken grappen over zijn Marokkaanse vader en zijn huidskleur.",
    "Bel mij maar op 06-12345678 als je meer wil weten.",
    "Mijn mail is ouder.van.sem@voorbeeld.nl voor vragen.",
    "Ze wonen op de Kerkstraat 12a, 1234 AB in het dorp.",
    "They say he is gay and that his family are refugees.",
];

fn description(rng: &mut DemoRng) -> String {
    let mut text = String::with_capacity(560);
    while text.len() < 500 {
        let sentence = if rng.below(3) == 0 && rng.below(4) == 0 {
            rng.pick(FLAGGED)
        } else {
            rng.pick(PLAIN)
        };
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(sentence);
    }
    text
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000_000.0
}

fn detector(args: &Args) {
    let started = Instant::now();
    let compiled = Detector::new(BUILTIN_LEXICONS);
    let compile_time = started.elapsed();
    assert!(compiled.problems().is_empty());
    let mut rng = DemoRng::new(7);
    let reports: Vec<String> = (0..args.reports).map(|_| description(&mut rng)).collect();
    let bytes: usize = reports.iter().map(String::len).sum();
    println!(
        "detector: {} lexicon terms compiled in {:.1} ms ({:.1} MB); {} reports, {:.0} characters on average",
        compiled.term_count(),
        ms(compile_time),
        compiled.memory_usage() as f64 / 1e6,
        reports.len(),
        bytes as f64 / reports.len() as f64
    );
    // Warm-up (and the hit count, which is the same every round).
    let mut by_kind = [0usize; SpecialKind::ALL.len()];
    let mut flagged = 0;
    for report in &reports {
        let hits = intake::detect(report, Some(Language::Dutch));
        flagged += usize::from(!hits.is_empty());
        for hit in hits {
            by_kind[hit.kind as usize] += 1;
        }
    }
    let mut rounds = Vec::with_capacity(args.rounds);
    for _ in 0..args.rounds {
        let started = Instant::now();
        let mut total = 0usize;
        for report in &reports {
            total += std::hint::black_box(intake::detect(report, Some(Language::Dutch))).len();
        }
        rounds.push(started.elapsed());
        std::hint::black_box(total);
    }
    rounds.sort();
    let median = rounds[rounds.len() / 2];
    println!(
        "detector: {} reports per round: min {:.1} ms, median {:.1} ms, max {:.1} ms ({} rounds); \
         {:.2} µs per report, {:.0} MB/s",
        reports.len(),
        ms(rounds[0]),
        ms(median),
        ms(rounds[rounds.len() - 1]),
        rounds.len(),
        us(median) / reports.len() as f64,
        bytes as f64 / median.as_secs_f64() / 1e6
    );
    let kinds: Vec<String> = SpecialKind::ALL
        .iter()
        .zip(by_kind)
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| format!("{} {n}", kind.code()))
        .collect();
    println!(
        "detector: {flagged} reports with hits; hits: {}",
        kinds.join(", ")
    );
}

/// How the bench types a pupil's name.
const STYLES: [&str; 9] = [
    "given name only",
    "lower case, particles",
    "particle abbreviated (vd)",
    "family name first",
    "a letter doubled",
    "given name uit groep",
    "given name and initial",
    "spelling swapped (ij/y, z/s, c/k)",
    "full name",
];

/// A name as a child might type it, in style `style` (an index into [`STYLES`]).
fn typed_name(rng: &mut DemoRng, entry: &RosterEntry, style: usize) -> String {
    let name = &entry.name;
    let given = name.given_name.as_str();
    let family = name.family_name.as_str();
    let particle = name.particle.as_deref();
    let with_particle = |p: Option<&str>| match p {
        Some(p) => format!("{p} {family}"),
        None => family.to_owned(),
    };
    let abbreviated = particle.map(|p| match p {
        "van der" | "van den" | "van de" => "vd".to_owned(),
        other => other.to_owned(),
    });
    match style {
        0 => given.to_owned(),
        1 => format!("{} {}", given.to_lowercase(), with_particle(particle)),
        2 => format!("{given} {}", with_particle(abbreviated.as_deref())),
        3 => format!("{}, {given}", with_particle(particle)),
        4 => {
            // A slip: one letter doubled.
            let mut chars: Vec<char> = given.chars().collect();
            let at = rng.below(chars.len());
            chars.insert(at, chars[at]);
            format!("{} {family}", chars.into_iter().collect::<String>())
        }
        5 => format!("{given} uit {}", entry.group),
        6 => format!("{given} {}", family.chars().next().unwrap_or('x')),
        7 => {
            // Dutch spelling swaps.
            let swapped = given
                .replace("ij", "y")
                .replace('z', "s")
                .replace("ph", "f")
                .replace('c', "k");
            format!("{swapped} {}", with_particle(particle))
        }
        _ => format!("{given} {}", with_particle(particle)),
    }
}

const NOBODY: &[&str] = &[
    "de broer van Lisa",
    "Xander Pietersen",
    "iemand uit groep 7",
    "juf Anna",
    "weet ik niet",
    "Quinten Zwartkop",
];

fn matcher(args: &Args, pupils: usize) {
    let today = chrono::Utc::now().date_naive();
    let roster = demo::roster(pupils, 42, today);
    let ids: Vec<PupilId> = (0..roster.entries.len()).map(|_| PupilId::new()).collect();
    let candidates: Vec<Candidate> = roster
        .entries
        .iter()
        .zip(&ids)
        .map(|(entry, id)| Candidate {
            id: *id,
            name: entry.name.clone(),
            groups: vec![entry.group.clone()],
        })
        .collect();
    let started = Instant::now();
    let index = NameIndex::new(&candidates);
    let build = started.elapsed();

    let mut rng = DemoRng::new(11);
    // (typed, the pupil meant and the style, if any)
    let typed: Vec<(String, Option<(usize, usize)>)> = (0..args.names)
        .map(|i| {
            if i % 10 == 9 {
                ((*rng.pick(NOBODY)).to_owned(), None)
            } else {
                let at = rng.below(roster.entries.len());
                let style = rng.below(STYLES.len());
                (
                    typed_name(&mut rng, &roster.entries[at], style),
                    Some((at, style)),
                )
            }
        })
        .collect();
    // Warm-up.
    for (name, _) in &typed {
        std::hint::black_box(index.suggest(name, None, 5));
    }
    let mut times = Vec::with_capacity(typed.len());
    let started = Instant::now();
    for (name, _) in &typed {
        let one = Instant::now();
        std::hint::black_box(index.suggest(name, None, 5));
        times.push(one.elapsed());
    }
    let total = started.elapsed();
    times.sort();
    let pick = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "names: {pupils} pupils indexed in {:.2} ms; {} names in {:.1} ms: p50 {:.1} µs, p99 {:.1} µs, \
         max {:.1} µs per name",
        ms(build),
        typed.len(),
        ms(total),
        us(pick(0.5)),
        us(pick(0.99)),
        us(times[times.len() - 1])
    );

    // Quality, untimed: is the pupil meant among the best-scored suggestions (a demo roster repeats
    // names, so a given name alone ties with every namesake), and among the first five?
    let mut best = [0usize; STYLES.len()];
    let mut first_five = [0usize; STYLES.len()];
    let mut meant = [0usize; STYLES.len()];
    let (mut nobody, mut empty_for_nobody) = (0, 0);
    for (name, target) in &typed {
        let found = index.suggest(name, None, usize::MAX);
        match target {
            Some((at, style)) => {
                meant[*style] += 1;
                let top = found.first().map_or(0.0, |s| s.score);
                best[*style] +=
                    usize::from(found.iter().any(|s| s.pupil == ids[*at] && s.score == top));
                first_five[*style] +=
                    usize::from(found.iter().take(5).any(|s| s.pupil == ids[*at]));
            }
            None => {
                nobody += 1;
                empty_for_nobody += usize::from(found.is_empty());
            }
        }
    }
    let sum = |counts: &[usize]| counts.iter().sum::<usize>();
    println!(
        "names: pupil meant among the best-scored for {}/{}, among the first five for {}/{}; \
         nothing suggested for {empty_for_nobody}/{nobody} names of nobody",
        sum(&best),
        sum(&meant),
        sum(&first_five),
        sum(&meant)
    );
    for (i, style) in STYLES.iter().enumerate() {
        println!(
            "names:   {style:<34} best-scored {:>3}/{:<3} first five {:>3}/{:<3}",
            best[i], meant[i], first_five[i], meant[i]
        );
    }
}

fn main() {
    let args = Args::parse();
    detector(&args);
    matcher(&args, args.pupils);
    if args.pupils != 2_000 {
        matcher(&args, 2_000);
    }
}
