//! The one-shot commands. Each opens the database, asks the policy for a grant as the operator,
//! does its work, and prints a plain report.

use std::path::Path;

use signaal_domain::audit::verify_chain;
use signaal_domain::policy::{self, Actor, ImportRoster, VerifyAudit};
use signaal_domain::report::{FormChoices, FrameAncestors};
use signaal_domain::roster::oneroster::{self, OneRosterFiles};
use signaal_domain::roster::{MAX_FILE_BYTES, RosterFile, SyncOptions, plan_sync, signaal_csv};
use signaal_domain::school::{NewSchool, School, SchoolSlug};
use signaal_domain::staff::Role;
use signaal_domain::{Clock, SystemClock};
use signaal_storage::staff_auth::LinkPurpose;
use signaal_storage::{NewStaff, Storage};

use crate::backend::{self, redact};
use crate::cli::{AdminCommand, RosterImportArgs};
use crate::settings::{Settings, declared};
use crate::{CommandResult, Failure};

pub async fn migrate(settings: &Settings) -> CommandResult {
    let storage = backend::open(settings).await?;
    println!(
        "the database is at schema version {}",
        storage.health.schema_version().await?
    );
    Ok(())
}

pub fn config_check(settings: &Settings) -> CommandResult {
    let database = backend::database(settings)?;
    let shown = settings.shown();
    for setting in declared() {
        let value = shown
            .iter()
            .find(|(key, _)| *key == setting.key)
            .map(|(_, value)| redact(value))
            .unwrap_or_default();
        let source = settings
            .sources
            .get(setting.key)
            .map(|s| format!("{s:?}"))
            .unwrap_or_default();
        println!(
            "{:<24} = {:<32} ({}; {})",
            setting.key,
            value,
            source.to_lowercase(),
            setting.env
        );
    }
    let database = match database {
        backend::Database::Sqlite(path) => format!("SQLite at {}", path.display()),
        backend::Database::Postgres(url) => format!("PostgreSQL at {}", redact(&url)),
    };
    println!("the configuration is valid; database: {database}");
    match settings.mail()? {
        Some(mail) => println!(
            "mail: on, through {} from {}",
            mail.server.describe(),
            mail.from
        ),
        None => println!("mail: off (no smtp_url); one-time links are shown to pass on"),
    }
    match settings.tls()? {
        Some(files) => {
            crate::tls::load_pair(&files).map_err(Failure)?;
            println!(
                "tls: on, certificate {} with key {} (read again on SIGHUP and when they change)",
                files.cert.display(),
                files.key.display()
            );
        }
        None => println!("tls: off (plain HTTP; put a TLS proxy in front, see docs/OPERATIONS.md)"),
    }
    println!(
        "master key: {}",
        backend::master_key_path(settings).display()
    );
    if settings.backup_recipients.0.is_empty() {
        println!("backups: off (no backup_recipients); `signaal backup` refuses too");
    } else {
        println!(
            "backups: daily at {} UTC into {}, kept {} days, encrypted to {} age recipient(s)",
            settings.backup_at.0.format("%H:%M"),
            crate::backup::backup_dir(settings).display(),
            settings.backup_keep_days.0,
            settings.backup_recipients.0.len()
        );
    }
    let lexicons = crate::lexicons::load(settings.lexicon_dir.0.as_deref())?;
    println!(
        "special-data lexicons: {} terms{}",
        lexicons.term_count(),
        match &settings.lexicon_dir.0 {
            Some(dir) => format!(", built-in and from {}", dir.display()),
            None => ", built-in".to_owned(),
        }
    );
    Ok(())
}

async fn school(storage: &Storage, slug: &str) -> CommandResult<School> {
    let parsed =
        SchoolSlug::parse(slug).map_err(|e| Failure(format!("--school \"{slug}\": {e}")))?;
    storage.directory.school_by_slug(&parsed).await?.ok_or_else(|| {
        Failure(format!("there is no school with the short name \"{slug}\" (see `signaal admin create-school`)"))
    })
}

/// Reads a roster from a Signaal CSV file or a OneRoster folder.
pub fn read_roster(
    path: &Path,
    org: Option<&str>,
    today: chrono::NaiveDate,
) -> CommandResult<RosterFile> {
    let read = |path: &Path| -> CommandResult<Vec<u8>> {
        let size = std::fs::metadata(path)
            .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?
            .len();
        if size > MAX_FILE_BYTES as u64 {
            return Err(Failure(format!(
                "{} is larger than {} MB; a roster is far smaller, so this is probably not a roster file",
                path.display(),
                MAX_FILE_BYTES / 1024 / 1024
            )));
        }
        std::fs::read(path).map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))
    };
    let parsed = if path.is_dir() {
        let demographics = path.join("demographics.csv");
        let files = OneRosterFiles {
            orgs: read(&path.join("orgs.csv"))?,
            users: read(&path.join("users.csv"))?,
            classes: read(&path.join("classes.csv"))?,
            enrollments: read(&path.join("enrollments.csv"))?,
            demographics: if demographics.exists() {
                Some(read(&demographics)?)
            } else {
                None
            },
        };
        oneroster::parse(&files, org, today)
    } else {
        signaal_csv::parse(&read(path)?, today)
    };
    parsed.map_err(|rejected| Failure(rejected.to_string()))
}

pub async fn roster_import(settings: &Settings, args: &RosterImportArgs) -> CommandResult {
    let clock = SystemClock;
    let today = clock.today();
    let file = read_roster(&args.path, args.org.as_deref(), today)?;
    let storage = backend::open(settings).await?;
    let school = school(&storage, &args.school).await?;
    let grant = policy::authorize::<ImportRoster>(&Actor::Operator, school.id, SystemClock.now())?;
    let current = storage.rosters.current_roster(&grant, clock.now()).await?;
    let options = SyncOptions {
        max_leave_share: settings.roster_max_leave_share.0,
        allow_mass_leave: args.allow_mass_leave,
    };
    let plan = plan_sync(&current, &file, today, options).map_err(|e| Failure(e.to_string()))?;
    if !file.ignored_columns.is_empty() {
        println!(
            "note: these columns are not used: {}",
            file.ignored_columns.join(", ")
        );
    }
    print!("{}", plan.describe());
    if args.dry_run {
        println!("dry run: nothing was changed");
        return Ok(());
    }
    let counts = storage
        .rosters
        .apply_sync(&grant, &plan, clock.now())
        .await?;
    println!(
        "imported into {}: {} added, {} changed, {} marked as left, {} new groups",
        school.slug, counts.added, counts.updated, counts.left, counts.groups_created
    );
    Ok(())
}

pub async fn admin(settings: &Settings, command: AdminCommand) -> CommandResult {
    let storage = backend::open(settings).await?;
    let grant = policy::authorize_directory(&Actor::Operator)?;
    let now = SystemClock.now();
    match command {
        AdminCommand::CreateSchool { slug, name, board } => {
            let slug =
                SchoolSlug::parse(&slug).map_err(|e| Failure(format!("--slug \"{slug}\": {e}")))?;
            let name = signaal_domain::text::clean_line(&name, 120)
                .map_err(|e| Failure(format!("--name {e}")))?;
            let board_name = signaal_domain::text::clean_line(&board, 120)
                .map_err(|e| Failure(format!("--board {e}")))?;
            let board = match storage.directory.board_by_name(&grant, &board_name).await? {
                Some(board) => board,
                None => {
                    storage
                        .directory
                        .create_board(&grant, &board_name, false, now)
                        .await?
                }
            };
            let school = storage
                .directory
                .create_school(
                    &grant,
                    &NewSchool {
                        board_id: board.id,
                        slug,
                        name,
                        is_demo: false,
                    },
                    now,
                )
                .await?;
            println!(
                "created school {} ({}) of board {}; its report form is at /s/{}",
                school.name, school.slug, board.name, school.slug
            );
        }
        AdminCommand::ResetPassword { email } => {
            let credentials = storage
                .staff_auth
                .credentials(&email)
                .await?
                .ok_or_else(|| {
                    Failure(format!("--email \"{email}\": no account has this address"))
                })?;
            let link = one_time_link(
                settings,
                &storage,
                credentials.staff.id,
                LinkPurpose::Reset,
                now,
            )
            .await?;
            let staff = &credentials.staff;
            if !mail_link(settings, &storage, staff, LinkPurpose::Reset, &link).await? {
                println!(
                    "a new link for {} to set a password (works once, for 48 hours):\n  {link}",
                    staff.email
                );
            }
        }
        AdminCommand::SchoolForm {
            school: slug,
            categories,
            places,
            frame_ancestors,
        } => {
            let school = school(&storage, &slug).await?;
            let mut settings = storage.reports.form_settings(school.id).await?;
            let changing = categories.is_some() || places.is_some() || frame_ancestors.is_some();
            if changing {
                settings.choices = FormChoices::parse(
                    categories
                        .as_deref()
                        .unwrap_or(&settings.choices.category_codes()),
                    places.as_deref().unwrap_or(&settings.choices.place_codes()),
                )
                .map_err(|e| Failure(format!("--categories/--places: {e}")))?;
                if let Some(origins) = &frame_ancestors {
                    settings.frame_ancestors = FrameAncestors::parse(origins)
                        .map_err(|e| Failure(format!("--frame-ancestors: {e}")))?;
                }
                let configure = policy::authorize(&Actor::Operator, school.id, SystemClock.now())?;
                storage
                    .reports
                    .set_form_settings(&configure, &settings, now)
                    .await?;
            }
            println!(
                "{} ({}){}\n  categories:      {}\n  places:          {}\n  frame ancestors: {}",
                school.name,
                school.slug,
                if changing { ": saved" } else { "" },
                settings.choices.category_codes(),
                settings.choices.place_codes(),
                Some(settings.frame_ancestors.to_text())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "(none: only Signaal itself)".into())
            );
        }
        AdminCommand::CreateUser {
            email,
            name,
            school: school_slug,
            role,
            provider_admin,
        } => {
            let email = signaal_domain::text::email_address(&email)
                .ok_or_else(|| Failure(format!("--email \"{email}\" is not an e-mail address")))?;
            let name = signaal_domain::text::clean_line(&name, 120)
                .map_err(|e| Failure(format!("--name {e}")))?;
            let role = match role.as_deref() {
                Some(raw) => Some(Role::parse(raw).ok_or_else(|| {
                    let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                    Failure(format!(
                        "--role \"{raw}\" is not one of: {}",
                        known.join(", ")
                    ))
                })?),
                None if !provider_admin => {
                    return Err(Failure(
                        "give --school and --role, or --provider-admin".to_owned(),
                    ));
                }
                None => None,
            };
            let school = match &school_slug {
                Some(slug) => Some(school(&storage, slug).await?),
                None => None,
            };
            let staff = storage
                .directory
                .create_staff(
                    &grant,
                    &NewStaff {
                        email,
                        display_name: name,
                        is_provider_admin: provider_admin,
                    },
                    now,
                )
                .await?;
            if let (Some(school), Some(role)) = (&school, role) {
                storage
                    .directory
                    .assign_role(&grant, staff.id, school.id, role, now)
                    .await?;
                println!(
                    "created {} ({}) as {} at {}",
                    staff.display_name,
                    staff.email,
                    role.as_str(),
                    school.slug
                );
            } else {
                println!(
                    "created provider admin {} ({})",
                    staff.display_name, staff.email
                );
            }
            let link =
                one_time_link(settings, &storage, staff.id, LinkPurpose::Invite, now).await?;
            if mail_link(settings, &storage, &staff, LinkPurpose::Invite, &link).await? {
                return Ok(());
            }
            println!(
                "send this link to {} to set a password (works once, for 48 hours); the second factor is set up at the first login:\n  {link}",
                staff.email
            );
        }
    }
    Ok(())
}

pub async fn audit_verify(settings: &Settings, only: Option<&str>) -> CommandResult {
    let storage = backend::open(settings).await?;
    let schools = match only {
        Some(slug) => vec![school(&storage, slug).await?],
        None => {
            storage
                .directory
                .list_schools(&policy::authorize_directory(&Actor::Operator)?)
                .await?
        }
    };
    let mut broken = 0;
    for school in &schools {
        let grant =
            policy::authorize::<VerifyAudit>(&Actor::Operator, school.id, SystemClock.now())?;
        match verify_chain(&storage.audit.chain(&grant).await?) {
            Ok(count) => println!("{}: {count} entries, the chain is intact", school.slug),
            Err(error) => {
                broken += 1;
                println!("{}: BROKEN: {error}", school.slug);
            }
        }
    }
    if broken > 0 {
        return Err(Failure(format!(
            "{broken} of {} audit chains are broken",
            schools.len()
        )));
    }
    Ok(())
}

pub async fn retention_run(
    settings: &Settings,
    only: Option<&str>,
    dry_run: bool,
) -> CommandResult {
    use signaal_jobs::retention::{Retention, RunOutcome};
    let storage = backend::open(settings).await?;
    let school = match only {
        Some(slug) => Some(school(&storage, slug).await?),
        None => None,
    };
    let job = Retention::new(storage, std::sync::Arc::new(SystemClock));
    match job.run(school.as_ref(), dry_run).await? {
        RunOutcome::Busy => Err(Failure(
            "another instance is running the retention job now; try again later".into(),
        )),
        RunOutcome::Done {
            schools,
            sessions,
            name_marks,
        } => {
            let verb = if dry_run { "due" } else { "done" };
            for run in &schools {
                let c = run.counts;
                println!(
                    "{}: {verb}: {} reports anonymised, {} pupils who left anonymised, {} logbook entries removed, {} request records removed",
                    run.slug, c.reports, c.pupils, c.logbook_entries, c.requests
                );
            }
            if !dry_run && only.is_none() {
                println!("{sessions} old sign-in sessions removed");
                println!("{name_marks} name fingerprints past the burst window removed");
            }
            Ok(())
        }
    }
}

/// Mails a one-time link to its account when mail is on, and says so; false when mail is off or the
/// mail failed (then the caller prints the link to pass on, as without mail).
async fn mail_link(
    settings: &Settings,
    storage: &Storage,
    staff: &signaal_domain::staff::StaffMember,
    purpose: LinkPurpose,
    link: &str,
) -> CommandResult<bool> {
    let Some(config) = settings.mail()? else {
        return Ok(false);
    };
    let mailer = signaal_mail::Mailer::new(&config).map_err(Failure)?;
    let kind = match purpose {
        LinkPurpose::Invite => signaal_mail::LinkKind::Invite,
        LinkPurpose::Reset => signaal_mail::LinkKind::Reset,
    };
    let lang = signaal_mail::MailLang::from_code(&storage.notifications.language(staff.id).await?);
    match mailer
        .send_link(&staff.email, &staff.display_name, lang, kind, link)
        .await
    {
        Ok(()) => {
            println!(
                "a link to set a password was sent to {} (works once, for 48 hours)",
                staff.email
            );
            Ok(true)
        }
        Err(error) => {
            eprintln!(
                "warning: the link could not be mailed to {}: {error}",
                staff.email
            );
            Ok(false)
        }
    }
}

/// A one-time link for an account, at the address people use (`public_url`, else the listen address).
async fn one_time_link(
    settings: &Settings,
    storage: &Storage,
    staff: signaal_domain::StaffId,
    purpose: LinkPurpose,
    now: chrono::DateTime<chrono::Utc>,
) -> CommandResult<String> {
    let (token, hash) = signaal_web::staff::new_session_id().map_err(|e| Failure(e.to_string()))?;
    storage
        .staff_auth
        .create_link(policy::ActorRef::Operator, hash, staff, purpose, now)
        .await?;
    let base = settings
        .public_url
        .0
        .clone()
        .unwrap_or_else(|| format!("http://{}", settings.listen));
    Ok(format!("{base}/app/invite/{token}"))
}
