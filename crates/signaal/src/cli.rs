//! The command line: `signaal serve`, `migrate`, `config check`, `roster import`, `admin …`, `audit verify`,
//! `retention run`, `backup`, `restore`, `keys rotate`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::settings::{SettingFlags, Settings};
use crate::{CommandResult, backup, commands, keys, serve};

#[derive(Parser, Debug)]
#[command(
    name = "signaal",
    version,
    about = "Anonymous reporting and follow-up for social safety in schools"
)]
pub struct Cli {
    /// A TOML file with settings (keys as in `signaal config check`).
    #[arg(long, env = "SIGNAAL_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub settings: SettingFlags,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Pupil rosters.
    #[command(subcommand)]
    Roster(RosterCommand),
    /// Boards, schools and staff accounts (for the provider's operator).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Retention: anonymise and remove what is past its term (also runs daily in the server).
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Write an encrypted backup now (the server also makes one daily at `backup_at`).
    Backup(BackupArgs),
    /// Restore a backup into an empty data folder (SQLite) or an empty database (PostgreSQL),
    /// checked against the backup's manifest.
    Restore(RestoreArgs),
    /// The master key.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub command: Option<BackupCommand>,
    /// The file to write (default: a new file in `backup_dir`); never overwritten.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum BackupCommand {
    /// Make an age key pair for backups: the identity (private key) goes to FILE, keep it off the
    /// server; the public key it prints goes into `backup_recipients`.
    NewIdentity {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup file (`signaal-backup-….age`).
    pub file: PathBuf,
    /// The age identity file (private key) that opens it.
    #[arg(long, value_name = "KEYFILE")]
    pub identity: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Make a new master key and wrap every school's data key with it, in one transaction; the
    /// old key file stays as `master.key.old-<time>` until you remove it.
    Rotate(RotateArgs),
}

#[derive(Args, Debug)]
pub struct RotateArgs {
    /// Also give every school a new data key and seal everything again with it, in short batches
    /// while the server keeps running; run it again to finish a run that was cut off.
    #[arg(long)]
    pub reencrypt: bool,
    /// Records per batch (per short write transaction) when re-encrypting.
    #[arg(long, value_name = "N", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..=10_000), requires = "reencrypt")]
    pub batch: u32,
    /// Seconds to wait after the new school keys are in place, before sealing again, so requests
    /// that began with the old key are done. Default: `request_timeout_seconds` + 1.
    #[arg(long, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(0..=3600), requires = "reencrypt")]
    pub wait_seconds: Option<u64>,
}

#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// Anonymise reports past their term and pupils who left, remove old logbook entries and
    /// sessions, at every school (or one); in batches, audited per school with counts.
    Run {
        /// Count what is due, per school, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The school's short name (default: every school).
        #[arg(long)]
        school: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Load a demo board and school with made-up pupils and staff, and print how to use them.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Validate the settings without starting, and show each value and where it came from.
    Check,
}

#[derive(Subcommand, Debug)]
pub enum RosterCommand {
    /// Sync a school's roster with a file: new pupils added, changed ones updated, missing ones marked as left.
    Import(RosterImportArgs),
}

#[derive(Args, Debug)]
pub struct RosterImportArgs {
    /// The school's short name.
    #[arg(long)]
    pub school: String,
    /// Show what would change, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Allow an import that marks more pupils as left than `roster_max_leave_share` allows.
    #[arg(long)]
    pub allow_mass_leave: bool,
    /// For a OneRoster export with several schools: the org's sourcedId or identifier.
    #[arg(long)]
    pub org: Option<String>,
    /// A Signaal roster CSV file, or a folder with a OneRoster 1.1 CSV export.
    pub path: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a school (and its board, if no board has that name yet).
    CreateSchool {
        /// The short name in the school's addresses: lowercase letters, digits and hyphens.
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// The board (bevoegd gezag) the school belongs to.
        #[arg(long)]
        board: String,
    },
    /// Create a personal staff account, with a role at a school or as provider admin.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The school's short name (with --role).
        #[arg(long, requires = "role")]
        school: Option<String>,
        /// leadership, coordinator, teacher, advisor, board or data_protection_officer.
        #[arg(long, requires = "school")]
        role: Option<String>,
        /// A provider admin manages schools and accounts and never sees content.
        #[arg(long, conflicts_with = "school")]
        provider_admin: bool,
    },
    /// Make a new one-time link (48 hours) for an account to set a new password; the second factor
    /// stays. Earlier unused links of the account stop working.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Show or change a school's report form: which categories and places it offers, and which
    /// websites may embed it. Without options, shows the current settings.
    SchoolForm {
        /// The school's short name.
        #[arg(long)]
        school: String,
        /// Comma-separated category codes (physical, verbal, exclusion, material, online, sexual,
        /// threat, discrimination, other); "" for all. "other" is always offered.
        #[arg(long)]
        categories: Option<String>,
        /// Comma-separated place codes (schoolyard, classroom, corridor, toilets, gym, canteen,
        /// way_to_school, online, elsewhere); "" for all. "elsewhere" is always offered.
        #[arg(long)]
        places: Option<String>,
        /// The school's websites that may show the form in a frame, such as
        /// "https://www.school.nl"; "" for none.
        #[arg(long)]
        frame_ancestors: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check every school's audit chain (or one school's) and report the first broken link.
    Verify {
        #[arg(long)]
        school: Option<String>,
    },
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> CommandResult {
    let settings = Settings::load(&cli.settings, cli.config.as_deref())?;
    match cli.command {
        Command::Serve(args) => serve::run(&settings, args.demo).await,
        Command::Migrate => commands::migrate(&settings).await,
        Command::Config(ConfigCommand::Check) => commands::config_check(&settings),
        Command::Roster(RosterCommand::Import(args)) => {
            commands::roster_import(&settings, &args).await
        }
        Command::Admin(command) => commands::admin(&settings, command).await,
        Command::Audit(AuditCommand::Verify { school }) => {
            commands::audit_verify(&settings, school.as_deref()).await
        }
        Command::Retention(RetentionCommand::Run { dry_run, school }) => {
            commands::retention_run(&settings, school.as_deref(), dry_run).await
        }
        Command::Backup(BackupArgs {
            command: Some(BackupCommand::NewIdentity { out }),
            ..
        }) => backup::new_identity_command(&out),
        Command::Backup(BackupArgs { command: None, out }) => {
            backup::backup_command(&settings, out.as_deref()).await
        }
        Command::Restore(args) => {
            backup::restore_command(&settings, &args.file, &args.identity).await
        }
        Command::Keys(KeysCommand::Rotate(args)) => keys::rotate(&settings, &args).await,
    }
}
