//! One realistic submission for the public JSON API (`POST /api/v1/schools/{slug}/reports`),
//! different for each number `i`, so load and fault runs send text of a real length.

use serde::Serialize;

#[derive(Serialize)]
struct Person<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
}

#[derive(Serialize)]
struct Submission<'a> {
    form_token: &'a str,
    reporter: &'a str,
    categories: [&'a str; 2],
    place: &'a str,
    date: &'a str,
    part_of_day: &'a str,
    frequency: &'a str,
    did_it: [Person<'a>; 1],
    done_to: [Person<'a>; 1],
    description: &'a str,
    contact: Option<&'a str>,
}

const NAMES: [&str; 10] = [
    "Noor", "Daan", "Fleur", "Luuk", "Sanne", "Bram", "Evi", "Milan", "Yara", "Thijs",
];

/// A realistic Dutch description of 150–400 characters, different for each `i`.
pub fn description(i: usize) -> String {
    let name = NAMES[(i / 5) % NAMES.len()];
    let other = NAMES[(i / 50 + 3) % NAMES.len()];
    let (hour, minute) = (8 + (i / 60) % 8, i % 60);
    match i % 5 {
        0 => format!(
            "In de pauze op het schoolplein werd {name} weer uitgescholden door een groepje uit \
             groep 6. Ze riepen lelijke dingen over haar kleren en lachten toen ze begon te huilen. \
             Het was rond {hour}:{minute:02} en er was geen meester of juf in de buurt."
        ),
        1 => format!(
            "Sinds een paar weken sturen kinderen uit de klas nare berichten over {name} in de \
             groepsapp. Vandaag zetten ze er een foto bij die {name} niet wilde delen. {other} heeft \
             gezegd dat ze moeten stoppen, maar toen kreeg {other} ook berichten (om {hour}:{minute:02})."
        ),
        2 => format!(
            "Bij de gymles van {hour}:{minute:02} mocht {name} weer niet meedoen met het spel. Ze \
             zeiden dat er geen plek meer was, maar dat was niet waar. In de kleedkamer pakten ze \
             daarna zijn tas af en gooiden die in de douche. {other} zag het ook."
        ),
        3 => format!(
            "Op weg naar huis werd {name} om {hour}:{minute:02} bij het fietsenhok geduwd en zijn \
             fiets is omgegooid. Ik zag het vanaf de overkant. Het is niet de eerste keer, {other} \
             zegt dat het al sinds de herfstvakantie gebeurt, bijna elke dag na school."
        ),
        _ => format!(
            "Tijdens het overblijven in de kantine pakt een jongen steeds het eten van {name} af en \
             zegt dat {name} het moet laten zien als {name} het terug wil. Iedereen lacht dan. \
             {name} durft het niet aan de juf te vertellen, daarom meld ik het hier."
        ),
    }
}

/// The JSON body of submission `i` with the given form token.
pub fn json(form_token: &str, i: usize) -> Vec<u8> {
    let description = description(i);
    let submission = Submission {
        form_token,
        reporter: "pupil_witness",
        categories: ["verbal", "online"],
        place: "schoolyard",
        date: "2026-11-20",
        part_of_day: "break",
        frequency: "several_times",
        did_it: [Person {
            name: "Sem de Vries",
            group: Some("6b"),
        }],
        done_to: [Person {
            name: "Noor",
            group: None,
        }],
        description: &description,
        contact: None,
    };
    // Strings and arrays of strings always serialise.
    serde_json::to_vec(&submission).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_vary_and_fit_the_length() {
        let all: Vec<String> = (0..1_000).map(description).collect();
        for d in &all {
            let chars = d.chars().count();
            assert!((150..=400).contains(&chars), "{chars} chars: {d}");
        }
        let distinct: std::collections::HashSet<_> = all.iter().collect();
        assert!(distinct.len() > 500);
    }

    #[test]
    fn body_is_the_public_contract_shape() {
        let value: serde_json::Value = serde_json::from_slice(&json("tok", 7)).unwrap_or_default();
        assert_eq!(value["form_token"], "tok");
        assert_eq!(value["did_it"][0]["group"], "6b");
        assert!(value["done_to"][0].get("group").is_none());
        assert!(value["contact"].is_null());
    }
}
