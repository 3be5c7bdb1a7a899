//! Type DIEs (DieTable). Filled in next.
use crate::columns::Out;
use crate::sections::{Ctx, Res};

/// Walks unit `ui` for the DIE table.
pub fn walk_types(_ctx: &mut Ctx, _out: &mut Out, _ui: usize, _urow: u32) -> Res<()> {
    Ok(())
}
