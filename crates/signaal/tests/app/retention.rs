//! The retention job from the command line: `signaal retention run [--dry-run] [--school SLUG]`
//! (the rules and the storage are tested in the domain and the conformance suite).

use super::{Cli, ROSTER};

fn on_disk(cli: &Cli, needle: &[u8]) -> bool {
    ["signaal.db", "signaal.db-wal"].iter().any(|name| {
        std::fs::read(cli.dir.path().join("data").join(name))
            .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
            .unwrap_or(false)
    })
}

#[test]
fn a_pupil_who_left_is_anonymised_by_the_next_run_and_a_dry_run_only_counts() {
    let cli = Cli::new();
    cli.ok(&[
        "admin",
        "create-school",
        "--slug",
        "de-regenboog",
        "--name",
        "OBS De Regenboog",
        "--board",
        "Stichting Test",
    ]);
    let file = cli.file("roster.csv", ROSTER.as_bytes());
    cli.ok(&["roster", "import", "--school", "de-regenboog", &file]);
    let nothing = cli.ok(&["retention", "run"]);
    assert!(
        nothing.contains(
            "de-regenboog: done: 0 reports anonymised, 0 pupils who left anonymised, 0 logbook entries removed"
        ),
        "{nothing}"
    );
    // Eva Smit leaves (the roster sync marks her as left today).
    let fewer = cli.file(
        "fewer.csv",
        ROSTER
            .replace("5;Eva;;Smit;2015-03-03;groep 6b\n", "")
            .as_bytes(),
    );
    cli.ok(&["roster", "import", "--school", "de-regenboog", &fewer]);
    // Positive control: her name is in the database's bytes (given and family name side by side
    // in the row).
    assert!(on_disk(&cli, b"EvaSmit"));

    let dry = cli.ok(&["retention", "run", "--dry-run", "--school", "de-regenboog"]);
    assert!(
        dry.contains("de-regenboog: due: 0 reports anonymised, 1 pupils who left anonymised"),
        "{dry}"
    );
    assert!(on_disk(&cli, b"EvaSmit"), "a dry run changes nothing");

    let run = cli.ok(&["retention", "run"]);
    assert!(
        run.contains("de-regenboog: done: 0 reports anonymised, 1 pupils who left anonymised")
            && run.contains("old sign-in sessions removed"),
        "{run}"
    );
    assert!(
        !on_disk(&cli, b"EvaSmit"),
        "her name is gone from the file and the WAL"
    );
    // Others stay.
    assert!(on_disk(&cli, b"NoordeVries"));

    let again = cli.ok(&["retention", "run", "--school", "de-regenboog"]);
    assert!(
        again.contains("de-regenboog: done: 0 reports anonymised, 0 pupils who left anonymised"),
        "{again}"
    );
    let unknown = cli.fails(&["retention", "run", "--school", "nergens"]);
    assert!(unknown.contains("nergens"), "{unknown}");
    let verify = cli.ok(&["audit", "verify"]);
    assert!(verify.contains("the chain is intact"), "{verify}");
}
