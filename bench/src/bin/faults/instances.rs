use crate::{Context, Res};
pub async fn run(_c: &Context) -> Res<()> {
    Err("todo".into())
}
pub async fn restart_during_load(_c: &Context) -> Res<()> {
    Err("todo".into())
}
