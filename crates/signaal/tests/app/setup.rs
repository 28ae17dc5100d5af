//! Set-up shared by the HTTP tests: a second school, to show that its records stay out of reach.

use chrono::Utc;
use signaal_domain::policy::{self, Actor};
use signaal_domain::school::{NewSchool, Pupil, School, SchoolSlug};
use signaal_storage::Storage;

/// A school of its own board with the demo roster of `pupils` pupils (seeded with `seed`), and
/// those pupils as its leadership reads them.
pub(crate) async fn other_school_with_pupils(
    storage: &Storage,
    board: &str,
    slug: &str,
    name: &str,
    (pupils, seed): (usize, u64),
) -> (School, Vec<Pupil>) {
    let now = Utc::now();
    let directory = policy::authorize_directory(&Actor::Operator).expect("grant");
    let board = storage
        .directory
        .create_board(&directory, board, false, now)
        .await
        .expect("board");
    let new = NewSchool {
        board_id: board.id,
        slug: SchoolSlug::parse(slug).expect("slug"),
        name: name.into(),
        is_demo: false,
    };
    let school = storage
        .directory
        .create_school(&directory, &new, now)
        .await
        .expect("school");
    let import = policy::authorize(&Actor::Operator, school.id, now).expect("import");
    let current = storage
        .rosters
        .current_roster(&import, now)
        .await
        .expect("roster");
    let plan = signaal_domain::roster::plan_sync(
        &current,
        &signaal_domain::demo::roster(pupils, seed, now.date_naive()),
        now.date_naive(),
        signaal_domain::roster::SyncOptions {
            max_leave_share: 0.25,
            allow_mass_leave: false,
        },
    )
    .expect("plan");
    storage
        .rosters
        .apply_sync(&import, &plan, now)
        .await
        .expect("sync");
    let leader = Actor::Staff(policy::StaffActor {
        id: signaal_domain::StaffId::new(),
        is_provider_admin: false,
        memberships: vec![policy::Membership::new(
            school.id,
            signaal_domain::staff::Role::Leadership,
        )],
    });
    let read = policy::authorize(&leader, school.id, now).expect("read");
    let pupils = storage.rosters.pupils(&read, now).await.expect("pupils");
    (school, pupils)
}
