//! `signaal serve --demo`: a demo board with one school, its groups, about 200 made-up pupils and staff
//! of every role. Loading is idempotent: a second start finds the demo school and leaves it as it is.

use signaal_domain::Clock;
use signaal_domain::auth::{Argon2Params, TotpSecret, hash_password};
use signaal_domain::demo;
use signaal_domain::policy::{self, Actor, ImportRoster};
use signaal_domain::report::Receipt;
use signaal_domain::roster::{SyncOptions, plan_sync};
use signaal_domain::school::{NewSchool, School, SchoolSlug};
use signaal_domain::secrets::MasterKey;
use signaal_domain::staff::{Role, StaffAccess, advisor_period};
use signaal_storage::{NewStaff, Storage};

use crate::{CommandResult, Failure};

pub const DEMO_SLUG: &str = "de-vuurtoren";
const DEMO_PUPILS: usize = 200;
const DEMO_SEED: u64 = 2026;
const DEMO_REPORTS: usize = 160;
/// About four months back: since the start of the school year.
const DEMO_REPORT_DAYS: u32 = 110;

/// The provider's made-up administrator: schools and accounts, never any content.
const DEMO_PROVIDER_ADMIN: (&str, &str) = ("beheer@signaal.demo", "Sam Jansen (beheerder)");

/// One made-up staff member per role.
const DEMO_STAFF: [(&str, &str, Role); 6] = [
    (
        "directie@de-vuurtoren.demo",
        "Ilse de Leeuw (directeur)",
        Role::Leadership,
    ),
    (
        "coordinator@de-vuurtoren.demo",
        "Ahmed Benali (anti-pestcoördinator)",
        Role::Coordinator,
    ),
    (
        "leerkracht@de-vuurtoren.demo",
        "Marieke Visser (leerkracht groep 5a)",
        Role::Teacher,
    ),
    (
        "adviseur@de-vuurtoren.demo",
        "Joost van Dam (adviseur)",
        Role::Advisor,
    ),
    (
        "bestuur@de-vuurtoren.demo",
        "Petra Kok (bestuur)",
        Role::Board,
    ),
    (
        "fg@de-vuurtoren.demo",
        "Sanne Mulder (functionaris gegevensbescherming)",
        Role::DataProtectionOfficer,
    ),
];

/// What was loaded, for the welcome text.
pub struct DemoInfo {
    pub school: School,
    pub pupils: usize,
    pub newly_loaded: bool,
    /// The receipt of one demo report, to try the follow-up page with (only when just loaded).
    pub sample_receipt: Option<Receipt>,
    /// Each demo account's TOTP secret (base32), to compute codes with an authenticator app.
    pub totp_secrets: Vec<(String, String)>,
}

/// The password of every demo account (made up; demo schools hold made-up data only).
pub const DEMO_PASSWORD: &str = "vuurtoren-demo-2026";

impl DemoInfo {
    pub fn describe(&self, base: &str) -> String {
        let mut out = format!(
            "\nSignaal demo is running at {base}/\n\n\
             Demo school: {} ({} made-up pupils){}\n\
             Report form of the demo school:  {base}/s/{}\n\
             Follow a report up:              {base}/s/{}/volgen\n\
             Poster with QR code:             {base}/s/{}/poster\n\
             Its public data as JSON:         {base}/api/v1/schools/{}\n\
             API description (OpenAPI 3):     {base}/api/v1/openapi.json\n\n",
            self.school.name,
            self.pupils,
            if self.newly_loaded {
                ", loaded just now"
            } else {
                ", already loaded earlier"
            },
            self.school.slug,
            self.school.slug,
            self.school.slug,
            self.school.slug,
        );
        if let Some(receipt) = &self.sample_receipt {
            out.push_str(&format!(
                "Receipt of one of the {DEMO_REPORTS} demo reports, to try following up:  {}\n\n",
                receipt.as_str()
            ));
        }
        out.push_str("Demo staff accounts (one per role):\n");
        let accounts = DEMO_STAFF
            .iter()
            .map(|(email, name, role)| (*email, *name, role.as_str()))
            .chain([(
                DEMO_PROVIDER_ADMIN.0,
                DEMO_PROVIDER_ADMIN.1,
                "provider_admin",
            )]);
        for (email, name, label) in accounts {
            let secret = self
                .totp_secrets
                .iter()
                .find(|(e, _)| e == email)
                .map_or("", |(_, s)| s.as_str());
            out.push_str(&format!(
                "  {label:<24} {email:<32} TOTP secret {secret}  {name}\n"
            ));
        }
        out.push_str(&format!(
            "\nStaff sign-in: {base}/app/login with the e-mail address, the password {DEMO_PASSWORD}, and\n\
             the code of an authenticator app given the account's TOTP secret (or: oathtool --totp -b SECRET).\n\
             Everything in the demo is made up. Stop with ctrl-c.\n"
        ));
        out
    }
}

pub async fn seed(
    storage: &Storage,
    clock: &dyn Clock,
    master: &MasterKey,
) -> CommandResult<DemoInfo> {
    let slug = SchoolSlug::parse(DEMO_SLUG).map_err(|e| Failure(e.to_string()))?;
    if let Some(school) = storage.directory.school_by_slug(&slug).await? {
        let totp_secrets = demo_secrets(storage).await?;
        return Ok(DemoInfo {
            school,
            pupils: DEMO_PUPILS,
            newly_loaded: false,
            sample_receipt: None,
            totp_secrets,
        });
    }
    let now = clock.now();
    let directory = policy::authorize_directory(&Actor::Operator)?;
    let board = storage
        .directory
        .create_board(&directory, "Stichting Voorbeeldscholen (demo)", true, now)
        .await?;
    let new = NewSchool {
        board_id: board.id,
        slug,
        name: "Basisschool De Vuurtoren (demo)".to_owned(),
        is_demo: true,
    };
    let school = storage
        .directory
        .create_school(&directory, &new, now)
        .await?;

    let grant = policy::authorize::<ImportRoster>(&Actor::Operator, school.id, now)?;
    let roster = demo::roster(DEMO_PUPILS, DEMO_SEED, clock.today());
    let current = storage.rosters.current_roster(&grant, now).await?;
    let options = SyncOptions {
        max_leave_share: 0.0,
        allow_mass_leave: false,
    };
    let plan =
        plan_sync(&current, &roster, clock.today(), options).map_err(|e| Failure(e.to_string()))?;
    storage.rosters.apply_sync(&grant, &plan, now).await?;

    for (email, name, role) in DEMO_STAFF {
        let staff = match storage.directory.staff_by_email(email).await? {
            Some(staff) => staff,
            None => {
                let new = NewStaff {
                    email: email.to_owned(),
                    display_name: name.to_owned(),
                    is_provider_admin: false,
                };
                storage
                    .directory
                    .create_staff(&directory, &new, now)
                    .await?
            }
        };
        storage
            .directory
            .assign_role(&directory, staff.id, school.id, role, now)
            .await?;
        sign_in_ready(storage, staff.id).await?;
    }
    give_scopes(storage, &school, clock).await?;
    let (email, name) = DEMO_PROVIDER_ADMIN;
    if storage.directory.staff_by_email(email).await?.is_none() {
        let new = NewStaff {
            email: email.to_owned(),
            display_name: name.to_owned(),
            is_provider_admin: true,
        };
        let admin = storage
            .directory
            .create_staff(&directory, &new, now)
            .await?;
        sign_in_ready(storage, admin.id).await?;
    }
    let sample_receipt = seed_reports(storage, &school, &roster, clock, master).await?;
    seed_follow_up(storage, &school, clock).await?;
    Ok(DemoInfo {
        school,
        pupils: DEMO_PUPILS,
        newly_loaded: true,
        sample_receipt,
        totp_secrets: demo_secrets(storage).await?,
    })
}

/// The demo teacher teaches group 5a; the demo advisor may look from a week ago until
/// three months from now. Without them, both would see nothing.
async fn give_scopes(storage: &Storage, school: &School, clock: &dyn Clock) -> CommandResult {
    let now = clock.now();
    // Set as the demo school leader would on the staff page.
    let Some(leader) = storage.directory.staff_by_email(DEMO_STAFF[0].0).await? else {
        return Ok(());
    };
    let actor = Actor::Staff(policy::StaffActor {
        id: leader.id,
        is_provider_admin: false,
        memberships: storage.staff_auth.memberships(leader.id).await?,
    });
    let manage = policy::authorize::<policy::ManageStaff>(&actor, school.id, now)?;
    let roster = storage
        .rosters
        .groups(
            &policy::authorize::<policy::ReadRoster>(&actor, school.id, now)?,
            clock.today(),
        )
        .await?;
    let today = clock.today();
    let period = advisor_period(today - chrono::Days::new(7), today + chrono::Days::new(90))
        .map_err(|e| Failure(e.to_string()))?;
    for (email, _, role) in DEMO_STAFF {
        let (groups, period) = match role {
            Role::Teacher => {
                let own = roster
                    .iter()
                    .find(|g| g.name == "groep 5a")
                    .or(roster.first());
                (own.map(|g| g.id).into_iter().collect(), None)
            }
            Role::Advisor => (Vec::new(), Some(period)),
            _ => continue,
        };
        let access =
            StaffAccess::new(vec![role], groups, period).map_err(|e| Failure(e.to_string()))?;
        if let Some(staff) = storage.directory.staff_by_email(email).await? {
            storage
                .staff_admin
                .set_access(&manage, staff.id, &access, now)
                .await?;
        }
    }
    Ok(())
}

/// Gives a demo account the demo password and a second factor, so signing in can be tried at once.
async fn sign_in_ready(storage: &Storage, staff: signaal_domain::StaffId) -> CommandResult {
    let hash = hash_password(DEMO_PASSWORD, Argon2Params::RECOMMENDED)
        .map_err(|e| Failure(e.to_string()))?;
    storage.staff_auth.set_password(staff, &hash).await?;
    let secret = TotpSecret::generate().map_err(|e| Failure(e.to_string()))?;
    storage
        .staff_auth
        .enrol_second_factor(staff, &secret, &[])
        .await?;
    Ok(())
}

/// The demo accounts' TOTP secrets, read back (so a restart prints them again).
async fn demo_secrets(storage: &Storage) -> CommandResult<Vec<(String, String)>> {
    let mut secrets = Vec::new();
    let emails = DEMO_STAFF.iter().map(|(email, _, _)| *email);
    for email in emails.chain([DEMO_PROVIDER_ADMIN.0]) {
        let credentials = storage.staff_auth.credentials(email).await?;
        if let Some(secret) = credentials.and_then(|c| c.totp_secret) {
            secrets.push((email.to_owned(), secret.to_base32().to_string()));
        }
    }
    Ok(secrets)
}

/// Months of made-up reports, stored as if sent on their days; returns the last one's receipt.
async fn seed_reports(
    storage: &Storage,
    school: &School,
    roster: &signaal_domain::roster::RosterFile,
    clock: &dyn Clock,
    master: &MasterKey,
) -> CommandResult<Option<Receipt>> {
    let secret = master.derive("receipt");
    let choices = storage.reports.form_settings(school.id).await?.choices;
    let intake = DemoIntake::new(storage, school, clock).await?;
    let mut last = None;
    for (index, report) in demo::reports(roster, DEMO_REPORTS, DEMO_REPORT_DAYS, DEMO_SEED)
        .into_iter()
        .enumerate()
    {
        let sent = clock.now().date_naive() - chrono::Days::new(u64::from(report.days_ago));
        let sent = sent
            .and_hms_opt(report.hour, 17, 0)
            .map(|t| t.and_utc())
            .unwrap_or_else(|| clock.now());
        let new = report
            .draft
            .validate(&choices, sent.date_naive())
            .map_err(|e| Failure(format!("a demo report is invalid: {e:?}")))?;
        let receipt = Receipt::generate().map_err(|e| Failure(e.to_string()))?;
        let submitted = storage
            .reports
            .submit(school.id, &new, receipt.hash(&secret, school.id), sent)
            .await?;
        // The older reports were set right and approved by the coordinator, as in a school that
        // has used Signaal since the start of the year; the recent ones (and a few older) wait.
        if report.days_ago >= DEMO_NEW_DAYS && index % 6 != 0 {
            intake.approve(storage, submitted.id, &new, sent).await?;
        }
        last = Some(receipt);
    }
    Ok(last)
}

/// Reports of the last this many days stay new in the demo.
const DEMO_NEW_DAYS: u32 = 14;

/// The demo coordinator doing intake: links each typed name to the best suggestion (or "not
/// identifiable"), keeps each special-data hit with a reason, approves.
struct DemoIntake {
    grant: policy::SchoolGrant<policy::ModerateReports>,
    candidates: Vec<signaal_domain::intake::Candidate>,
}

impl DemoIntake {
    async fn new(storage: &Storage, school: &School, clock: &dyn Clock) -> CommandResult<Self> {
        let now = clock.now();
        let Some(coordinator) = storage.directory.staff_by_email(DEMO_STAFF[1].0).await? else {
            return Err(Failure("the demo coordinator is missing".to_owned()));
        };
        let actor = Actor::Staff(policy::StaffActor {
            id: coordinator.id,
            is_provider_admin: false,
            memberships: storage.staff_auth.memberships(coordinator.id).await?,
        });
        let read = policy::authorize::<policy::ReadRoster>(&actor, school.id, now)?;
        let groups = storage.rosters.groups(&read, clock.today()).await?;
        let candidates = storage
            .rosters
            .pupils(&read, now)
            .await?
            .into_iter()
            .filter(|p| p.left_on.is_none())
            .map(|p| signaal_domain::intake::Candidate {
                id: p.id,
                groups: groups
                    .iter()
                    .filter(|g| Some(g.id) == p.group_id)
                    .map(|g| g.name.clone())
                    .collect(),
                name: p.name,
            })
            .collect();
        Ok(Self {
            grant: policy::authorize(&actor, school.id, now)?,
            candidates,
        })
    }

    async fn approve(
        &self,
        storage: &Storage,
        report: signaal_domain::ReportId,
        new: &signaal_domain::report::NewReport,
        at: chrono::DateTime<chrono::Utc>,
    ) -> CommandResult {
        use signaal_domain::intake::{NameIndex, PersonRef, TextField, decisions::field_hits};
        let index = NameIndex::new(&self.candidates);
        let mut version = 1;
        let mut texts = vec![(TextField::Description, new.description.clone())];
        if let Some(contact) = &new.contact {
            texts.push((TextField::Contact, contact.clone()));
        }
        for (did_it, list) in [(true, &new.did_it), (false, &new.done_to)] {
            for (position, person) in list.iter().enumerate() {
                let p = PersonRef {
                    did_it,
                    position: position as i64,
                };
                if let Some(group) = &person.group {
                    texts.push((TextField::Group(p), group.clone()));
                }
                let Some(name) = &person.name else { continue };
                texts.push((TextField::Name(p), name.clone()));
                let pupil = index
                    .suggest(name, person.group.as_deref(), 1)
                    .first()
                    .map(|s| s.pupil);
                version = storage
                    .intake
                    .link_person(&self.grant, report, p, pupil, version, at)
                    .await?;
            }
        }
        for (field, text) in &texts {
            let mut kept: Vec<String> = Vec::new();
            for (_, key) in field_hits(text) {
                if kept.contains(&key) {
                    continue;
                }
                version = storage
                    .intake
                    .keep_hit(
                        &self.grant,
                        report,
                        *field,
                        &key,
                        "Nodig om de situatie te begrijpen (demo).",
                        version,
                        at,
                    )
                    .await?;
                kept.push(key);
            }
        }
        match storage
            .intake
            .approve(&self.grant, report, version, at)
            .await?
        {
            signaal_storage::intake::Approval::Approved => Ok(()),
            signaal_storage::intake::Approval::Blocked(blockers) => Err(Failure(format!(
                "a demo report could not be approved: {blockers:?}"
            ))),
        }
    }
}

/// The fresh grant of a demo account for capability `C`.
async fn demo_grant<C: policy::Capability>(
    storage: &Storage,
    school: &School,
    email: &str,
    clock: &dyn Clock,
) -> CommandResult<policy::SchoolGrant<C>> {
    let Some(staff) = storage.directory.staff_by_email(email).await? else {
        return Err(Failure(format!("the demo account {email} is missing")));
    };
    let actor = Actor::Staff(policy::StaffActor {
        id: staff.id,
        is_provider_admin: false,
        memberships: storage.staff_auth.memberships(staff.id).await?,
    });
    Ok(policy::authorize::<C>(&actor, school.id, clock.now())?)
}

/// Two demo cases and a few logbook entries: one case about a pupil of the demo teacher's group
/// (so the teacher sees it on the pupil page), one about an incident with several reports.
async fn seed_follow_up(storage: &Storage, school: &School, clock: &dyn Clock) -> CommandResult {
    use signaal_domain::follow_up::{LogbookEntryNew, LogbookKind, ParentsInformed};
    use signaal_storage::cases::{CaseUpdate, LogbookTarget, NewCase};
    let now = clock.now();
    let coordinator = DEMO_STAFF[1].0;
    let manage = demo_grant::<policy::ManageCases>(storage, school, coordinator, clock).await?;
    let write = demo_grant::<policy::WriteLogbook>(storage, school, coordinator, clock).await?;
    let read = demo_grant::<policy::ReadRoster>(storage, school, coordinator, clock).await?;
    let groups = storage.rosters.groups(&read, clock.today()).await?;
    let Some(five_a) = groups.iter().find(|g| g.name == "groep 5a") else {
        return Ok(());
    };
    let pupils = storage.rosters.pupils(&read, now).await?;
    let Some(pupil) = pupils
        .iter()
        .find(|p| p.left_on.is_none() && p.group_id == Some(five_a.id))
    else {
        return Ok(());
    };
    let owner = storage
        .directory
        .staff_by_email(coordinator)
        .await?
        .map(|s| s.id);
    let choices = storage
        .cases
        .case_choices(&manage, now - chrono::Duration::days(365), now)
        .await?;
    let mut approved = choices.reports.iter().map(|r| r.id);
    let about_pupil = storage
        .cases
        .create_case(
            &manage,
            &NewCase {
                title: "Buitengesloten bij het buitenspelen".to_owned(),
                pupil: Some(pupil.id),
                reports: Vec::new(),
                owner,
            },
            now,
        )
        .await?;
    let incident = storage
        .cases
        .create_case(
            &manage,
            &NewCase {
                title: "Onrust op het plein na de gymles".to_owned(),
                pupil: None,
                reports: approved.by_ref().take(2).collect(),
                owner,
            },
            now,
        )
        .await?;
    if let Some(incident) = incident {
        let monitoring = CaseUpdate {
            status: signaal_domain::follow_up::CaseStatus::Monitoring,
            owner,
        };
        storage
            .cases
            .update_case(&manage, incident, 1, monitoring, now)
            .await?;
    }
    let day = |days: u64| clock.today() - chrono::Days::new(days);
    let mut entries = vec![(
        LogbookTarget::Pupil(pupil.id),
        LogbookEntryNew {
            kind: LogbookKind::Observation,
            occurred_on: day(9),
            body: "Speelt in de pauzes alleen; zoekt de juf op bij het fluitsignaal.".to_owned(),
            parents_informed: None,
        },
    )];
    if let Some(case) = about_pupil {
        entries.push((
            LogbookTarget::Case(case),
            LogbookEntryNew {
                kind: LogbookKind::TalkParents,
                occurred_on: day(6),
                body: "Ouders gebeld en uitgenodigd voor een gesprek; ze herkennen het beeld."
                    .to_owned(),
                parents_informed: None,
            },
        ));
        entries.push((
            LogbookTarget::Case(case),
            LogbookEntryNew {
                kind: LogbookKind::SupportMeasure,
                occurred_on: day(3),
                body: "Maatje in de pauze afgesproken, twee weken; daarna evalueren.".to_owned(),
                parents_informed: Some(ParentsInformed::Yes(day(4))),
            },
        ));
    }
    for (target, entry) in entries {
        storage.cases.add_entry(&write, target, &entry, now).await?;
    }
    Ok(())
}
