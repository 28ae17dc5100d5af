use proptest::prelude::*;

use super::*;

/// The hits in `text` as (kind, matched text), for compact assertions.
fn hits(text: &str) -> Vec<(SpecialKind, &str)> {
    detect(text, None)
        .iter()
        .map(|hit| (hit.kind, hit.matched(text)))
        .collect()
}

fn kinds(text: &str) -> Vec<SpecialKind> {
    detect(text, None).iter().map(|hit| hit.kind).collect()
}

use SpecialKind::*;

#[test]
fn builtin_lexicons_have_no_problems() {
    let detector = Detector::builtin();
    let problems: Vec<String> = detector
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    // Every category has a list in both languages, and the lists are not token efforts.
    for source in BUILTIN_LEXICONS {
        let terms = source
            .text
            .lines()
            .filter(|line| !line.split('#').next().unwrap_or("").trim().is_empty())
            .count();
        assert!(
            terms >= 20,
            "{}/{} has only {terms} terms",
            source.language.code(),
            source.kind.code()
        );
    }
    for kind in &SpecialKind::ALL[..7] {
        for language in [Language::Dutch, Language::English] {
            assert!(
                BUILTIN_LEXICONS
                    .iter()
                    .any(|s| s.kind == *kind && s.language == language),
                "no {} lexicon for {}",
                language.code(),
                kind.code()
            );
        }
    }
    assert!(detector.term_count() > 900, "{}", detector.term_count());
}

#[test]
fn every_category_in_dutch() {
    let cases = [
        ("Hij zegt dat alle moslims stom zijn.", Religion, "moslims"),
        ("Ze trekken aan haar hoofddoekje.", Religion, "hoofddoekje"),
        ("Hij is joods en ze pesten hem.", Religion, "joods"),
        ("Ze roepen jood naar hem.", Religion, "jood"),
        (
            "Ze lachen hem uit omdat hij christen is.",
            Religion,
            "christen",
        ),
        ("Ze noemen hem een vieze Marokkaan.", Ethnicity, "Marokkaan"),
        ("Ze doen haar huidskleur na.", Ethnicity, "huidskleur"),
        ("Ze lachen om zijn Turkse moeder.", Ethnicity, "Turkse"),
        (
            "Zijn vader stemt op dezelfde partij als de buurman.",
            Politics,
            "stemt op",
        ),
        ("Hij zegt dat zijn vader PVV'er is.", Politics, "PVV'er"),
        ("Ze zeggen dat hij een nazi is.", Politics, "nazi"),
        ("Hij heeft ADHD en ze lachen hem uit.", Health, "ADHD"),
        ("Ze noemen hem autist.", Health, "autist"),
        ("Ze is autistisch.", Health, "autistisch"),
        ("Zij heeft dyslexie.", Health, "dyslexie"),
        ("Hij moet ritalin slikken.", Health, "ritalin"),
        ("Ze heeft suikerziekte.", Health, "suikerziekte"),
        ("Hij is depressief sinds de zomer.", Health, "depressief"),
        ("Ze roepen homo naar hem.", Sexuality, "homo"),
        ("Ze zeggen dat ze lesbisch is.", Sexuality, "lesbisch"),
        ("Hij is transgender.", Sexuality, "transgender"),
        ("Haar moeder is lid van de vakbond.", TradeUnion, "vakbond"),
        ("De juf staakt morgen.", TradeUnion, "staakt"),
        ("Hij heeft mijn fiets gestolen.", Criminal, "gestolen"),
        ("De politie kwam bij hem thuis.", Criminal, "politie"),
        ("Zijn broer is gearresteerd.", Criminal, "gearresteerd"),
        (
            "Hij heeft jeugdreclassering.",
            Criminal,
            "jeugdreclassering",
        ),
    ];
    for (text, kind, matched) in cases {
        assert_eq!(hits(text), vec![(kind, matched)], "{text}");
    }
}

#[test]
fn every_category_in_english() {
    let cases = [
        ("They pull off her hijab every day.", Religion, "hijab"),
        ("He says all Muslims are bad.", Religion, "Muslims"),
        ("They laugh because he is Jewish.", Religion, "Jewish"),
        ("She prays at lunch and they laugh.", Religion, "prays"),
        (
            "They call him a refugee all the time.",
            Ethnicity,
            "refugee",
        ),
        (
            "They make fun of her skin colour.",
            Ethnicity,
            "skin colour",
        ),
        ("He made racist jokes about her.", Ethnicity, "racist"),
        (
            "His dad is a Republican and they tease him.",
            Politics,
            "Republican",
        ),
        ("They say his family is far-right.", Politics, "far-right"),
        ("He has ADHD and they laugh at him.", Health, "ADHD"),
        ("They call him autistic.", Health, "autistic"),
        ("She is dyslexic.", Health, "dyslexic"),
        ("He takes medication at school.", Health, "medication"),
        ("They say he is gay.", Sexuality, "gay"),
        ("She told them she is bisexual.", Sexuality, "bisexual"),
        (
            "Her mother is a trade union member.",
            TradeUnion,
            "trade union",
        ),
        ("The teachers went on strike.", TradeUnion, "went on strike"),
        ("He has stolen my phone.", Criminal, "stolen"),
        ("His brother was arrested.", Criminal, "arrested"),
        ("The police came to the school.", Criminal, "police"),
    ];
    for (text, kind, matched) in cases {
        assert_eq!(hits(text), vec![(kind, matched)], "{text}");
    }
}

#[test]
fn inflections_and_compounds() {
    assert_eq!(hits("de moslimjongen"), vec![(Religion, "moslimjongen")]);
    assert_eq!(hits("in de autismeklas"), vec![(Health, "autismeklas")]);
    assert_eq!(hits("zijn angststoornis"), vec![(Health, "angststoornis")]);
    assert_eq!(
        hits("haar slaapmedicijnen"),
        vec![(Health, "slaapmedicijnen")]
    );
    assert_eq!(hits("die adhd'er"), vec![(Health, "adhd'er")]);
    assert_eq!(hits("kankerhomo"), vec![(Sexuality, "kankerhomo")]);
    assert_eq!(hits("een fietsendief"), vec![(Criminal, "fietsendief")]);
    assert_eq!(hits("Hindoeïstische"), vec![(Religion, "Hindoeïstische")]);
    // Accents and case do not matter, in the text or in the lexicon.
    assert_eq!(hits("HINDOEÏSME"), vec![(Religion, "HINDOEÏSME")]);
    assert_eq!(hits("atheïst"), vec![(Religion, "atheïst")]);
    assert_eq!(hits("atheist"), vec![(Religion, "atheist")]);
}

#[test]
fn word_boundaries() {
    // "jood" is a whole-word term; "joodse" and the old spelling "joodsche" are found through their own
    // entries ("joods*"), never as "jood" inside a longer word.
    let text = "een joodsche familie";
    let found = detect(text, None);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].matched(text), "joodsche");
    assert_eq!(
        found[0].source,
        Source::Lexicon {
            language: Language::Dutch,
            term: "joods".into()
        }
    );
    for clean in [
        "we vieren christmas",
        "op het grasveld",
        "een homogene groep",
        "een heterogene klas",
        "de Kerkstraat is lang",
        "hij is een goede sportman",
        "de transformator",
        "het archiv",
        "zijn ocdrive",
    ] {
        assert_eq!(hits(clean), vec![], "{clean}");
    }
    assert_eq!(hits("we vieren christmas"), vec![]);
    assert_eq!(hits("Believes in Christ."), vec![(Religion, "Christ")]);
    assert_eq!(hits("op het grasveld"), vec![]);
    assert_eq!(hits("een homogene groep"), vec![]);
    assert_eq!(hits("de Kerkstraat is lang"), vec![]);
    // Hyphens and apostrophes are boundaries.
    assert_eq!(hits("anti-moslim"), vec![(Religion, "moslim")]);
}

/// Ordinary words that hold a term, found by running the Dutch and English word lists of Debian's
/// wdutch and wamerican through the detector; each once flagged something.
#[test]
fn ordinary_words_that_contain_terms() {
    for clean in [
        "Ze negeren mij de hele dag.",
        "Hij pakte mijn lesboek af.",
        "Dat was het allergemeenste wat hij deed.",
        "Robbert en Gaya zaten naast me.",
        "Jean-Baptiste werd uitgelachen.",
        "Mila Öztürk mag nooit meedoen.",
        "Ze domineren het voetbalveld.",
        "He hid my rabbit drawing.",
        "They broke my trumpet in the music room.",
        "He kept mistaking my bag for his and then he threw it away.",
        "My sister is sunnier than me.",
        "It was a conventional day at school.",
    ] {
        assert_eq!(hits(clean), vec![], "{clean}");
    }
}

#[test]
fn the_longest_term_wins() {
    assert_eq!(
        hits("Hij wil naar een politieke partij."),
        vec![(Politics, "politieke partij")]
    );
    assert_eq!(
        hits("De politieagent kwam."),
        vec![(Criminal, "politieagent")]
    );
    assert_eq!(
        hits("Er was seksueel misbruik."),
        vec![(Criminal, "seksueel misbruik")]
    );
    assert_eq!(
        hits("Ze is Hindoestaans."),
        vec![(Ethnicity, "Hindoestaans")]
    );
}

#[test]
fn a_failed_boundary_does_not_hide_a_shorter_term() {
    let detector = Detector::new(&[LexiconSource {
        file: "test.txt",
        language: Language::Dutch,
        kind: Religion,
        text: "joodse\njoodse gemeente\n",
    }]);
    let text = "de joodse gemeenteraad";
    let found = detector.detect(text, None);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].matched(text), "joodse");
    let text = "de joodse gemeente";
    assert_eq!(
        detector.detect(text, None)[0].matched(text),
        "joodse gemeente"
    );
}

#[test]
fn multi_word_terms_match_across_white_space() {
    let text = "Ze zijn getuigen  van\nJehova.";
    let found = detect(text, None);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].matched(text), "getuigen  van\nJehova");
    assert_eq!(found[0].kind, Religion);
}

#[test]
fn terms_that_are_ordinary_words_in_the_other_language() {
    // Dutch "dove" (deaf) is the English "dove"; "christen" also an English verb.
    assert_eq!(
        kinds("De dove jongen wordt steeds uitgelachen."),
        vec![Health]
    );
    assert_eq!(
        kinds("He saw a dove on the roof at the playground."),
        vec![]
    );
    assert_eq!(kinds("They will christen the boat."), vec![]);
    // When the text itself says nothing, the hint decides; without one, the term is flagged.
    assert_eq!(detect("dove", Some(Language::English)), vec![]);
    assert_eq!(detect("dove", Some(Language::Dutch)).len(), 1);
    assert_eq!(detect("dove", None).len(), 1);
    // The text's own language wins over the hint.
    assert_eq!(
        detect(
            "De dove jongen wordt steeds gepest",
            Some(Language::English)
        )
        .len(),
        1
    );
    // "Christian" is a given name: not flagged in a Dutch text, flagged in an English one.
    assert_eq!(
        kinds("Christian pakt steeds mijn pet af op het plein."),
        vec![]
    );
    assert_eq!(
        kinds("They hate him because he is a Christian and he prays."),
        vec![Religion, Religion]
    );
}

#[test]
fn a_child_written_description_with_exact_spans() {
    let text = "Sem uit groep 7 zegt elke dag dat Yusuf een vieze moslim is en trekt aan de \
                hoofddoek van zijn zus. Hij zegt ook dat Noor autistisch is. Sem woont op de \
                Vossenlaan 12b, zijn nummer is 06-12345678 als je hem wil bellen.";
    let found = detect(text, Some(Language::Dutch));
    let got: Vec<(SpecialKind, Range<usize>, &str)> = found
        .iter()
        .map(|hit| (hit.kind, hit.span.clone(), hit.matched(text)))
        .collect();
    let at = |needle: &str| {
        let start = text.find(needle).expect("in the text");
        start..start + needle.len()
    };
    assert_eq!(
        got,
        vec![
            (Religion, at("moslim"), "moslim"),
            (Religion, at("hoofddoek"), "hoofddoek"),
            (Health, at("autistisch"), "autistisch"),
            (Address, at("Vossenlaan 12b"), "Vossenlaan 12b"),
            (Phone, at("06-12345678"), "06-12345678"),
        ]
    );
    assert_eq!(found[0].span, 50..56);
    assert_eq!(found[0].kind.basis(), Basis::SpecialCategory);
}

#[test]
fn spans_are_exact_with_accents_and_odd_characters_around() {
    let text = "Zoë — “Moslima!” — ﬁets, e\u{301}n ADHD\u{200b}.";
    let found = detect(text, None);
    let got: Vec<(SpecialKind, &str)> = found.iter().map(|h| (h.kind, h.matched(text))).collect();
    assert_eq!(got, vec![(Religion, "Moslima"), (Health, "ADHD")]);
}

#[test]
fn citizen_service_numbers_need_the_eleven_check() {
    assert_eq!(hits("BSN 111222333"), vec![(Bsn, "111222333")]);
    assert_eq!(hits("bsn: 123.456.782."), vec![(Bsn, "123.456.782")]);
    assert_eq!(hits("123 456 782"), vec![(Bsn, "123 456 782")]);
    assert_eq!(hits("123-456-782"), vec![(Bsn, "123-456-782")]);
    // Fails the check.
    assert_eq!(hits("BSN 123456789"), vec![]);
    assert_eq!(hits("111222334"), vec![]);
    // Not nine digits, or not grouped 3-3-3 with one separator.
    assert_eq!(hits("1112223330"), vec![]);
    assert_eq!(hits("11122233"), vec![]);
    assert_eq!(hits("123.456 782"), vec![]);
    assert_eq!(hits("1234 56782"), vec![]);
    // Inside a longer code.
    assert_eq!(hits("code X111222333"), vec![]);
}

#[test]
fn dutch_phone_numbers_in_every_common_format() {
    for phone in [
        "06-12345678",
        "06 1234 5678",
        "06 12 34 56 78",
        "0612345678",
        "06-1234 5678",
        "+31 6 12345678",
        "+316 12345678",
        "+31612345678",
        "+31 (0)6 1234 5678",
        "0031 6 12345678",
        "0031612345678",
        "020-1234567",
        "020 123 4567",
        "010 123 4567",
        "(020) 123 4567",
        "0594-123456",
        "+31 20 123 4567",
        "+32 470 12 34 56",
        "0032 470 123456",
    ] {
        let text = format!("Bel hem op {phone}, echt waar.");
        assert_eq!(hits(&text), vec![(Phone, phone)], "{phone}");
    }
}

#[test]
fn numbers_that_are_not_phone_numbers() {
    for text in [
        "Het was in groep 6.",
        "Op 12-05-2026 om 10:30 in de pauze.",
        "Op 06-10-2026 10.30 uur",
        "Op 1/6/26 gebeurde het weer.",
        "Het gebeurde 3 keer in 2 weken.",
        "Schooljaar 2025-2026",
        "Hij heeft 1000 euro.",
        "06",
        "0800-0432 is de Kindertelefoon",
        "06-1234567",
        "06-123456789",
        "00-12",
        "bladzijde 12-14",
        "ID 061234567890",
    ] {
        assert_eq!(
            kinds(text)
                .into_iter()
                .filter(|kind| kind.basis() == Basis::Identifying)
                .collect::<Vec<_>>(),
            vec![],
            "{text}"
        );
    }
}

#[test]
fn two_numbers_in_one_sentence() {
    assert_eq!(
        hits("Bel 06-12345678 of 020-7654321."),
        vec![(Phone, "06-12345678"), (Phone, "020-7654321")]
    );
    assert_eq!(hits("Bel 06 12345678 3 keer"), vec![(Phone, "06 12345678")]);
}

#[test]
fn email_addresses() {
    assert_eq!(
        hits("Zijn mail is sem.devries2014@gmail.com."),
        vec![(Email, "sem.devries2014@gmail.com")]
    );
    assert_eq!(
        hits("mail: Ahmed.Moslim@school.nl"),
        vec![(Email, "Ahmed.Moslim@school.nl")]
    );
    assert_eq!(hits("@sem_2014 op insta"), vec![]);
}

#[test]
fn street_addresses_and_postcodes() {
    assert_eq!(
        hits("Ze woont op de Kerkstraat 5 in Utrecht."),
        vec![(Address, "Kerkstraat 5")]
    );
    assert_eq!(
        hits("Adres: Moskeestraat 14a, 1234 AB Amsterdam"),
        vec![(Address, "Moskeestraat 14a"), (Postcode, "1234 AB")]
    );
    assert_eq!(hits("hij woont kerkweg 3 hs"), vec![(Address, "kerkweg 3")]);
    assert_eq!(hits("Vossenhof 3-A"), vec![(Address, "Vossenhof 3-A")]);
    assert_eq!(hits("Lange Vijverberg 12 A."), vec![]);
    assert_eq!(
        hits("Prinsengracht 263 A."),
        vec![(Address, "Prinsengracht 263 A")]
    );
    assert_eq!(hits("postcode 1234ab"), vec![(Postcode, "1234ab")]);
    assert_eq!(hits("postcode 1234 ab"), vec![(Postcode, "1234 ab")]);
    assert_eq!(hits("Postcode 3511 LX"), vec![(Postcode, "3511 LX")]);
    // Years and amounts followed by little words are not postcodes; SA, SD and SS are never used.
    assert_eq!(hits("In 2024 is het begonnen."), vec![]);
    assert_eq!(hits("Om 1500 en nog wat."), vec![]);
    assert_eq!(hits("1234 SS"), vec![]);
    assert_eq!(hits("0123 AB"), vec![]);
    assert_eq!(hits("Het schoolplein 3 keer rond."), vec![]);
}

#[test]
fn identifying_details_win_over_terms_inside_them() {
    // "Moskeestraat" alone is a compound of "moskee*", but here it is part of an address.
    assert_eq!(kinds("Hij woont in de Moskeestraat 3."), vec![Address]);
    assert_eq!(kinds("Hij woont in de Moskeestraat."), vec![Religion]);
    assert_eq!(kinds("mail jood@voorbeeld.nl"), vec![Email]);
}

/// Thirty ordinary reports, as children and parents write them: no special data, nothing to flag.
const ORDINARY: &[&str] = &[
    "Daan scheldt Emma elke pauze uit. Iedereen lacht dan mee.",
    "In de klas fluistert Sem steeds gemene dingen over Lotte als de juf het niet hoort.",
    "Bram duwde Noor van het klimrek. Ze had pijn aan haar arm.",
    "Bij het buitenspelen schopt Finn mij als niemand kijkt.",
    "Ik mag nooit meedoen met voetbal. Ze zeggen dan dat het team al vol is.",
    "Lucas heeft gezegd dat niemand naast Sara mag zitten bij het eten.",
    "Milan pakte de pet van Jesse af en gooide hem over het hek.",
    "Mijn tekening is kapotgemaakt. Ik zag dat Ruben het deed.",
    "In de groepsapp van de klas zet iemand foto's van mij met rare teksten erbij.",
    "Ze hebben mij uit de groepsapp gegooid en zeggen dat ik stom ben.",
    "Thijs zegt dat er iets gebeurt na school als ik het aan de juf vertel.",
    "Elke dag wil hij mijn snoep hebben, anders wordt hij boos.",
    "In de gang duwen ze mij steeds tegen de kapstok aan.",
    "Op het schoolplein 3 keer achter elkaar mijn bal afgepakt, in groep 6 gebeurt dat vaak.",
    "Ze lachen om mijn kleren en zeggen dat ik stink.",
    "In de kleedkamer bij gym verstoppen ze mijn schoenen.",
    "Op weg naar huis fietsen ze mij klem en roepen ze lelijke woorden.",
    "Mijn zoon durft niet meer naar school sinds de herfstvakantie. Hij huilt elke ochtend.",
    "Zij zegt tegen iedereen dat ik nep ben en dat niemand mij moet geloven.",
    "Tijdens de lunch gooien ze met eten naar mij en naar mijn vriendin.",
    "Ze maken stiekem filmpjes van mij op de wc en sturen die rond.",
    "He keeps pushing me in the corridor when the teacher is not looking.",
    "They took my lunch box and threw it in the bin behind the gym.",
    "Nobody wants to sit next to me on the bus and they laugh when I get on.",
    "She posts mean comments under my photos every evening.",
    "Op 12-05-2026 om 10:30 in de pauze werd ik weer geduwd, net als op 3 april.",
    "Ik zit in groep 8b en het gebeurt bijna elke dag bij het fietsenhok.",
    "Hij noemt mij dom en zegt dat ik beter kan verhuizen naar een andere school.",
    "Na de gymles waren mijn schoenveters doorgeknipt en mijn jas lag buiten in de regen.",
    "In de online game zegt hij steeds dat hij mij na school in elkaar slaat.",
];

#[test]
fn no_hits_in_ordinary_reports() {
    assert_eq!(ORDINARY.len(), 30);
    for text in ORDINARY {
        assert_eq!(hits(text), vec![], "{text}");
    }
}

#[test]
fn redaction_replaces_spans() {
    let text = "Hij heeft ADHD, bel 06-12345678.";
    let spans: Vec<Range<usize>> = detect(text, None).into_iter().map(|h| h.span).collect();
    assert_eq!(
        redact(text, &spans, "[verwijderd]"),
        "Hij heeft [verwijderd], bel [verwijderd]."
    );
    // Order, overlap, empty spans and spans off character boundaries are handled.
    assert_eq!(redact("abcdef", &[3..5, 1..2, 4..6, 2..2], "_"), "a_c_");
    assert_eq!(redact("Zoë", &[0..3, 3..4], "_"), "Zoë");
    assert_eq!(redact("Zoë", &[0..4, 9..12], "_"), "_");
}

#[test]
fn codes_and_grouping() {
    for kind in SpecialKind::ALL {
        assert_eq!(SpecialKind::parse(kind.code()), Some(kind));
    }
    assert_eq!(SpecialKind::parse("nonsense"), None);
    let art9: Vec<&str> = SpecialKind::ALL
        .iter()
        .filter(|k| k.basis() == Basis::SpecialCategory)
        .map(|k| k.code())
        .collect();
    assert_eq!(
        art9,
        [
            "religion",
            "ethnicity",
            "politics",
            "health",
            "sexuality",
            "trade_union"
        ]
    );
    assert_eq!(Criminal.basis().code(), "art10");
    for kind in [Phone, Email, Address, Postcode, Bsn] {
        assert_eq!(kind.basis(), Basis::Identifying);
    }
    assert_eq!(Language::parse("en"), Some(Language::English));
    assert_eq!(Language::parse("de"), None);
}

#[test]
fn resolution_keys_survive_edits_around_the_hit() {
    let before = "Hij heeft  ADHD.";
    let after = "Volgens mij heeft hij ADHD, zegt ze.";
    let key = |text: &str| detect(text, None)[0].resolution_key(text);
    assert_eq!(key(before), "health:adhd");
    assert_eq!(key(before), key(after));
}

#[test]
fn hits_serialise_for_the_api() {
    let text = "Hij is autist.";
    let json = serde_json::to_value(detect(text, None)).expect("json");
    assert_eq!(
        json,
        serde_json::json!([{
            "kind": "health",
            "span": {"start": 7, "end": 13},
            "source": "lexicon",
            "language": "nl",
            "term": "autis"
        }])
    );
}

/// Fragments that exercise every scanner, glued together at random with arbitrary characters.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("moslim".to_owned()),
        Just("autismeklas".to_owned()),
        Just("getuigen van jehova".to_owned()),
        Just("06-12345678".to_owned()),
        Just("+31 (0)6 1234 5678".to_owned()),
        Just("111.222.333".to_owned()),
        Just("a@b.nl".to_owned()),
        Just("Kerkstraat 12a".to_owned()),
        Just("1234 AB".to_owned()),
        Just("ZOË".to_owned()),
        Just("e\u{301}".to_owned()),
        Just("ß".to_owned()),
        Just("ĳ".to_owned()),
        Just("İ".to_owned()),
        Just("\u{ad}".to_owned()),
        "[ \\-.(/)+@'’*]{1,3}",
        "[0-9]{1,10}",
        any::<String>(),
    ]
}

fn check_spans(text: &str, found: &[Hit]) -> Result<(), TestCaseError> {
    let mut end = 0;
    for hit in found {
        prop_assert!(hit.span.start < hit.span.end, "empty span {hit:?}");
        prop_assert!(hit.span.start >= end, "overlap or out of order: {found:?}");
        prop_assert!(hit.span.end <= text.len());
        prop_assert!(text.is_char_boundary(hit.span.start));
        prop_assert!(text.is_char_boundary(hit.span.end));
        end = hit.span.end;
    }
    Ok(())
}

proptest! {
    #[test]
    fn spans_are_valid_for_any_text(text in any::<String>()) {
        let found = detect(&text, None);
        check_spans(&text, &found)?;
    }

    #[test]
    fn spans_are_valid_for_texts_full_of_near_hits(
        parts in prop::collection::vec(fragment(), 0..12),
        english in any::<bool>(),
    ) {
        let text = parts.concat();
        let language = if english { Language::English } else { Language::Dutch };
        let found = detect(&text, Some(language));
        check_spans(&text, &found)?;
        let spans: Vec<Range<usize>> = found.iter().map(|h| h.span.clone()).collect();
        let redacted = redact(&text, &spans, "#");
        prop_assert!(redacted.len() <= text.len() + found.len());
    }
}
