//! The data generator of `seed_data`: schools with rosters, and reports spread over about two years
//! as the application would have stored them (sealed text with each school's key, typed names, links
//! to pupils for approved reports, name fingerprints, a few open cases).
//!
//! Rows are written straight into the tables (the application's own schema, made by its
//! migrations): through COPY on PostgreSQL, through prepared inserts in large transactions on SQLite.
//! Going through the storage API instead would take hours for 10 million reports, and the API has no
//! way to date a report two years back with a decision and links.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use signaal_domain::SchoolId;
use signaal_domain::demo::{self, DemoRng};
use signaal_domain::report::names::comparable_name;
use signaal_domain::secrets::DataKey;
use signaal_storage::KeyRing;
use signaal_storage::reports::seal_at;
use uuid::Uuid;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Plan {
    pub schools: usize,
    pub reports: u64,
    /// Pupils per school: exactly this with one school, else spread from half to one and a half
    /// times it (reports follow school size).
    pub pupils: usize,
    /// Days back from `today` that reports are spread over.
    pub days: u32,
    pub today: NaiveDate,
    pub seed: u64,
}

/// The one staff account that decided and linked everything (the foreign keys want one).
pub const BENCH_STAFF: Uuid = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001);

pub struct Group {
    pub id: Uuid,
    pub name: String,
    pub grade: i64,
}

pub struct Pupil {
    pub id: Uuid,
    pub number: String,
    pub given_name: String,
    pub particle: Option<String>,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub group: usize,
}

pub struct School {
    pub id: Uuid,
    pub board: Uuid,
    pub slug: String,
    pub year: Uuid,
    pub year_start: NaiveDate,
    pub key: DataKey,
    pub wrapped_key: Vec<u8>,
    pub groups: Vec<Group>,
    pub pupils: Vec<Pupil>,
    /// A per-school stride, so the few pupils named often are spread over the groups.
    stride: usize,
}

impl School {
    fn typed_name(&self, pupil: &Pupil, rng: &mut DemoRng) -> String {
        match rng.below(4) {
            0 => pupil.given_name.clone(),
            1 => pupil.given_name.to_lowercase(),
            _ => match &pupil.particle {
                Some(particle) => format!("{} {particle} {}", pupil.given_name, pupil.family_name),
                None => format!("{} {}", pupil.given_name, pupil.family_name),
            },
        }
    }

    /// A pupil, skewed: a few pupils are named in many reports (power `skew` > 1).
    fn skewed_pupil(&self, rng: &mut DemoRng, skew: f64) -> usize {
        let n = self.pupils.len();
        let u = unit(rng);
        let rank = ((n as f64) * u.powf(skew)) as usize;
        (rank.min(n - 1) * self.stride + self.id.as_bytes()[15] as usize) % n
    }
}

/// One generated report with its rows in the other tables.
pub struct Report {
    pub id: Uuid,
    pub school: Uuid,
    pub receipt_hash: [u8; 32],
    pub submitted_hour: DateTime<Utc>,
    pub reporter_role: &'static str,
    pub place: &'static str,
    /// The exact day (kept in `report_contents`; the report row keeps its month).
    pub event_day: Option<NaiveDate>,
    pub part_of_day: Option<&'static str>,
    pub frequency: &'static str,
    pub status: &'static str,
    pub description: Vec<u8>,
    pub contact: Option<Vec<u8>>,
    pub intake: &'static str,
    pub decided_at: Option<DateTime<Utc>>,
    pub reject_reason: Option<&'static str>,
    pub categories: Vec<&'static str>,
    pub people: Vec<Person>,
    pub name_marks: Vec<[u8; 16]>,
}

/// A person line: sealed name and group, and the linked pupil if the report was approved
/// (`Some(None)` is "not identifiable").
pub struct Person {
    pub role: &'static str,
    pub position: i64,
    pub name: Vec<u8>,
    pub group: Vec<u8>,
    pub link: Option<Option<Uuid>>,
    /// The linked pupil's grade, kept on the line when the link is made (as the application does).
    pub grade: Option<i64>,
}

pub struct Case {
    pub id: Uuid,
    pub school: Uuid,
    pub title: Vec<u8>,
    pub pupil: Uuid,
    pub created_at: DateTime<Utc>,
}

const CATEGORIES: &[(&str, u32)] = &[
    ("verbal", 30),
    ("exclusion", 20),
    ("physical", 15),
    ("online", 12),
    ("material", 8),
    ("threat", 7),
    ("discrimination", 4),
    ("sexual", 2),
    ("other", 2),
];
const PLACES: &[(&str, u32)] = &[
    ("schoolyard", 35),
    ("classroom", 18),
    ("corridor", 10),
    ("way_to_school", 9),
    ("online", 9),
    ("gym", 6),
    ("toilets", 5),
    ("canteen", 4),
    ("elsewhere", 4),
];
const PARTS: &[(&str, u32)] = &[
    ("break", 40),
    ("lunch", 15),
    ("lesson", 15),
    ("after_school", 12),
    ("before_school", 10),
    ("evening_weekend", 8),
];
const REPORTERS: &[(&str, u32)] = &[
    ("pupil_self", 30),
    ("pupil_witness", 35),
    ("parent", 20),
    ("staff", 10),
    ("other", 5),
];
const FREQUENCIES: &[(&str, u32)] = &[("once", 40), ("several_times", 45), ("almost_daily", 15)];

/// Sentences a child might write; `{d}` is who did it, `{t}` who it was done to.
const SENTENCES: &[&str] = &[
    "{d} scheldt {t} uit in de pauze en de anderen lachen mee.",
    "Bij het buitenspelen duwt {d} {t} steeds omver.",
    "{t} mag van {d} nooit meedoen met voetbal.",
    "In de groepsapp zet {d} foto's van {t} met rare teksten.",
    "{d} pakte de tas van {t} af en gooide hem in de struiken.",
    "Na school wacht {d} bij het hek en zegt dat {t} moet oppassen.",
    "{d} maakt grappen over de kleren van {t}.",
    "Het gebeurt bijna elke dag en {t} durft het niet te zeggen.",
    "Ik heb het zelf gezien en ik vind het niet eerlijk.",
    "De juf was er niet bij, het was bij de fietsenstalling.",
    "{t} huilde daarna op de wc.",
    "Kunnen jullie er iets aan doen? Ik wil niet dat mijn naam genoemd wordt.",
];

/// A number in [0, 1).
fn unit(rng: &mut DemoRng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn weighted(rng: &mut DemoRng, items: &[(&'static str, u32)]) -> &'static str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.below(total as usize) as u32;
    for (item, weight) in items {
        if roll < *weight {
            return item;
        }
        roll -= weight;
    }
    items[0].0
}

fn random_uuid(rng: &mut DemoRng) -> Uuid {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// How busy a day is: school days full, weekends and holidays quiet.
fn day_weight(day: NaiveDate) -> f64 {
    let holiday = matches!((day.month(), day.day()), (7, 15..) | (8, _))
        || matches!((day.month(), day.day()), (12, 22..) | (1, ..=5))
        || (day.month() == 10 && (14..=22).contains(&day.day()))
        || (day.month() == 2 && (15..=23).contains(&day.day()))
        || (day.month() == 4 && (26..).contains(&day.day()))
        || (day.month() == 5 && day.day() <= 4);
    let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
    match (holiday, weekend) {
        (true, _) => 0.08,
        (false, true) => 0.12,
        (false, false) => 1.0,
    }
}

pub fn school_year_start(today: NaiveDate) -> NaiveDate {
    signaal_domain::overview::calendar::Period::school_year(today).from
}

/// Makes the schools and their rosters (the rosters of `demo::roster`, with ids).
pub fn schools(plan: &Plan, keys: &KeyRing) -> Vec<School> {
    let mut rng = DemoRng::new(plan.seed);
    let year_start = school_year_start(plan.today);
    let boards = plan.schools.div_ceil(8).max(1);
    let board_ids: Vec<Uuid> = (0..boards).map(|_| Uuid::now_v7()).collect();
    (0..plan.schools)
        .map(|index| {
            let id = Uuid::now_v7();
            let pupils = if plan.schools == 1 {
                plan.pupils
            } else {
                (plan.pupils / 2 + rng.below(plan.pupils + 1)).max(16)
            };
            let roster = demo::roster(pupils, plan.seed ^ index as u64, plan.today);
            let mut groups: Vec<Group> = Vec::new();
            let mut list = Vec::with_capacity(pupils);
            for entry in roster.entries {
                let group = match groups.iter().position(|g| g.name == entry.group) {
                    Some(at) => at,
                    None => {
                        groups.push(Group {
                            id: Uuid::now_v7(),
                            name: entry.group.clone(),
                            grade: i64::from(entry.grade.unwrap_or(1)),
                        });
                        groups.len() - 1
                    }
                };
                list.push(Pupil {
                    id: Uuid::now_v7(),
                    number: entry.number.as_str().to_owned(),
                    given_name: entry.name.given_name,
                    particle: entry.name.particle,
                    family_name: entry.name.family_name,
                    date_of_birth: entry.date_of_birth,
                    group,
                });
            }
            let (key, wrapped_key) = keys
                .new_school_key(SchoolId::from_uuid(id))
                .expect("school key");
            School {
                id,
                board: board_ids[index % boards],
                slug: format!("bench-{index:05}"),
                year: Uuid::now_v7(),
                year_start,
                key,
                wrapped_key,
                groups,
                pupils: list,
                stride: [7919, 104_729, 1_299_709][index % 3],
            }
        })
        .collect()
}

/// Open cases about the pupils named most often: about one per 60 pupils.
pub fn cases(schools: &[School], plan: &Plan) -> Vec<Case> {
    let mut rng = DemoRng::new(plan.seed ^ 0xca5e);
    let at = Utc.from_utc_datetime(
        &(plan.today - Duration::days(20))
            .and_hms_opt(10, 0, 0)
            .expect("time"),
    );
    let mut cases = Vec::new();
    for school in schools {
        for _ in 0..(school.pupils.len() / 60).max(1) {
            let pupil = &school.pupils[school.skewed_pupil(&mut rng, 3.0)];
            let id = Uuid::now_v7();
            cases.push(Case {
                id,
                school: school.id,
                title: seal_at(
                    &school.key,
                    SchoolId::from_uuid(school.id),
                    id,
                    "title",
                    &format!("Zorgen om {}", pupil.given_name),
                )
                .expect("seal"),
                pupil: pupil.id,
                created_at: at,
            });
        }
    }
    cases
}

/// The reports, in the order they were submitted, handed to `sink` in chunks of `chunk`.
pub fn reports(schools: &[School], plan: &Plan, chunk: usize, mut sink: impl FnMut(Vec<Report>)) {
    let mut rng = DemoRng::new(plan.seed ^ 0x5eed);
    let first = plan.today - Duration::days(i64::from(plan.days));
    let weights: Vec<f64> = (0..=plan.days)
        .map(|d| day_weight(first + Duration::days(i64::from(d))))
        .collect();
    let total_weight: f64 = weights.iter().sum();
    // Bigger schools get more reports: pick a school by its pupils.
    let mut cumulative = Vec::with_capacity(schools.len());
    let mut sum = 0usize;
    for school in schools {
        sum += school.pupils.len();
        cumulative.push(sum);
    }
    let mut made = 0u64;
    let mut carried = 0.0;
    let mut batch = Vec::with_capacity(chunk);
    for (d, weight) in weights.iter().enumerate() {
        let day = first + Duration::days(d as i64);
        let exact = plan.reports as f64 * weight / total_weight + carried;
        let mut today_count = exact.floor() as u64;
        carried = exact - today_count as f64;
        if d == weights.len() - 1 {
            today_count = plan.reports - made;
        }
        let mut hours: Vec<u32> = (0..today_count).map(|_| 7 + rng.below(14) as u32).collect();
        hours.sort_unstable();
        for hour in hours {
            let roll = rng.below(sum);
            let school = &schools[cumulative.partition_point(|&c| c <= roll)];
            batch.push(report(school, day, hour, plan.today, &mut rng));
            made += 1;
            if batch.len() == chunk {
                sink(std::mem::replace(&mut batch, Vec::with_capacity(chunk)));
            }
        }
    }
    if !batch.is_empty() {
        sink(batch);
    }
}

fn report(
    school: &School,
    day: NaiveDate,
    hour: u32,
    today: NaiveDate,
    rng: &mut DemoRng,
) -> Report {
    let id = random_uuid(rng);
    let school_id = SchoolId::from_uuid(school.id);
    let submitted_hour = Utc.from_utc_datetime(&day.and_hms_opt(hour, 0, 0).expect("hour"));
    let age = (today - day).num_days();
    let roll = rng.below(100);
    let intake = if age > 21 {
        match roll {
            0..85 => "approved",
            85..95 => "rejected",
            _ => "new",
        }
    } else {
        match roll {
            0..40 => "approved",
            40..95 => "new",
            _ => "rejected",
        }
    };
    let mut categories = vec![weighted(rng, CATEGORIES)];
    if rng.below(10) < 3 {
        let second = weighted(rng, CATEGORIES);
        if second != categories[0] {
            categories.push(second);
        }
    }
    let place = if categories.contains(&"online") && rng.below(10) < 7 {
        "online"
    } else {
        weighted(rng, PLACES)
    };
    let event_day = (rng.below(4) != 0).then(|| day - Duration::days(rng.below(8) as i64));
    let part_of_day = (rng.below(10) != 0).then(|| weighted(rng, PARTS));

    // Who did it (1–3) and to whom (0–2); mostly pupils of one group.
    let did_count = match rng.below(10) {
        0..6 => 1,
        6..9 => 2,
        _ => 3,
    };
    let to_count = match rng.below(20) {
        0 => 0,
        1..15 => 1,
        _ => 2,
    };
    let mut people = Vec::new();
    let mut name_marks = Vec::new();
    let mut first_names = (String::from("iemand"), String::from("een kind"));
    for (role, count, skew) in [("did_it", did_count, 3.0), ("done_to", to_count, 1.6)] {
        for position in 0..count {
            let pupil = &school.pupils[school.skewed_pupil(rng, skew)];
            let typed = school.typed_name(pupil, rng);
            let group = &school.groups[pupil.group].name;
            let field = format!("{role}/{position}");
            if position == 0 {
                if role == "did_it" {
                    first_names.0 = typed.clone();
                } else {
                    first_names.1 = typed.clone();
                }
            }
            // The product keeps fingerprints only for the burst window, removed by the next
            // daily retention run: the last day's reports have them.
            if role == "did_it"
                && age <= 1
                && let Some(comparable) = comparable_name(&typed)
            {
                let mark = school.key.fingerprint("did-it-name", &comparable);
                if !name_marks.contains(&mark) {
                    name_marks.push(mark);
                }
            }
            let link = (intake == "approved").then(|| (rng.below(100) >= 8).then_some(pupil.id));
            let grade = matches!(link, Some(Some(_))).then_some(school.groups[pupil.group].grade);
            people.push(Person {
                role,
                position: position as i64,
                name: seal_at(&school.key, school_id, id, &format!("{field}/name"), &typed)
                    .expect("seal"),
                group: seal_at(&school.key, school_id, id, &format!("{field}/group"), group)
                    .expect("seal"),
                link,
                grade,
            });
        }
    }
    let mut text = String::new();
    for _ in 0..2 + rng.below(3) {
        let sentence = *rng.pick(SENTENCES);
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(
            &sentence
                .replace("{d}", &first_names.0)
                .replace("{t}", &first_names.1),
        );
    }
    let contact = (rng.below(100) < 15).then(|| {
        let text = format!(
            "{}, {}",
            first_names.1,
            school.groups[rng.below(school.groups.len())].name
        );
        seal_at(&school.key, school_id, id, "contact", &text).expect("seal")
    });
    let decided = intake != "new";
    let mut receipt_hash = [0u8; 32];
    for part in receipt_hash.chunks_mut(8) {
        part.copy_from_slice(&rng.next_u64().to_le_bytes());
    }
    Report {
        id,
        school: school.id,
        receipt_hash,
        submitted_hour,
        reporter_role: weighted(rng, REPORTERS),
        place,
        event_day,
        part_of_day,
        frequency: weighted(rng, FREQUENCIES),
        status: match intake {
            "approved" if age > 60 => "handled",
            "approved" => "in_progress",
            _ => "received",
        },
        description: seal_at(&school.key, school_id, id, "description", &text).expect("seal"),
        contact,
        intake,
        decided_at: decided.then(|| submitted_hour + Duration::hours(1 + rng.below(72) as i64)),
        reject_reason: (intake == "rejected")
            .then(|| if rng.below(2) == 0 { "joke" } else { "spam" }),
        categories,
        people,
        name_marks,
    }
}

/// COPY text format: one field.
pub trait CopyField {
    fn copy_to(&self, out: &mut String);
}

impl CopyField for Uuid {
    fn copy_to(&self, out: &mut String) {
        let _ = write!(out, "{}", self.hyphenated());
    }
}
impl CopyField for &str {
    fn copy_to(&self, out: &mut String) {
        // Generated text never holds a tab, newline or backslash.
        out.push_str(self);
    }
}
impl CopyField for String {
    fn copy_to(&self, out: &mut String) {
        self.as_str().copy_to(out);
    }
}
impl CopyField for i64 {
    fn copy_to(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}
impl CopyField for bool {
    fn copy_to(&self, out: &mut String) {
        out.push_str(if *self { "t" } else { "f" });
    }
}
impl CopyField for NaiveDate {
    fn copy_to(&self, out: &mut String) {
        let _ = write!(out, "{}", self.format("%Y-%m-%d"));
    }
}
impl CopyField for DateTime<Utc> {
    fn copy_to(&self, out: &mut String) {
        let _ = write!(out, "{}+00", self.format("%Y-%m-%d %H:%M:%S"));
    }
}
impl CopyField for [u8] {
    fn copy_to(&self, out: &mut String) {
        // bytea in hex; the backslash is doubled for COPY's own escaping.
        out.push_str("\\\\x");
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for byte in self {
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 15)] as char);
        }
    }
}
impl CopyField for Vec<u8> {
    fn copy_to(&self, out: &mut String) {
        self.as_slice().copy_to(out);
    }
}
impl CopyField for [u8; 16] {
    fn copy_to(&self, out: &mut String) {
        self.as_slice().copy_to(out);
    }
}
impl CopyField for [u8; 32] {
    fn copy_to(&self, out: &mut String) {
        self.as_slice().copy_to(out);
    }
}
impl<T: CopyField> CopyField for Option<T> {
    fn copy_to(&self, out: &mut String) {
        match self {
            Some(value) => value.copy_to(out),
            None => out.push_str("\\N"),
        }
    }
}

/// Appends one COPY row of the given fields.
#[macro_export]
macro_rules! copy_row {
    ($out:expr, $first:expr $(, $rest:expr)* $(,)?) => {{
        $crate::seed::CopyField::copy_to(&$first, $out);
        $( $out.push('\t'); $crate::seed::CopyField::copy_to(&$rest, $out); )*
        $out.push('\n');
    }};
}
