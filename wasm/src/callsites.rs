//! Call sites: DW_TAG_call_site / DW_TAG_GNU_call_site and their
//! parameters, for resolving DW_OP_entry_value through the callers
//! (src/lower/entryvalues.ts decides what they prove).
//!
//! One CallTable row per call site DIE: the root of its callee's origin
//! chain (DW_AT_call_origin, or DW_AT_abstract_origin on the GNU tag,
//! followed through DW_AT_abstract_origin / DW_AT_specification as
//! `funcs.rs` does for sites), the address the DIE gives (the return
//! address, or the call instruction's own with DW_AT_call_pc), and flags.
//! One CallParamTable row per DW_TAG_call_site_parameter whose
//! DW_AT_location is a register: the register and the DW_AT_call_value
//! (DW_AT_GNU_call_site_value) expression bytes, normalised as every
//! expression is (`expr.rs`). Parameters located in memory
//! (DW_OP_fbreg/bregN) get reg NONE: they can never say what a register held.

use gimli::{constants, Abbreviation, AttributeValue, EntriesRaw};

use crate::columns::Out;
use crate::consts::{CALL_HAS_TARGET, CALL_ORIGIN_LOCAL, CALL_PC, CALL_RETURN_PC, CALL_TAIL, NONE};
use crate::expr::append_expr;
use crate::sections::{Ctx, Res, XUnit, R};

/// Longest origin chain followed (as `funcs.rs`).
const MAX_CHAIN: usize = 16;

const DW_OP_REG0: u8 = 0x50;
const DW_OP_REG31: u8 = 0x6f;
const DW_OP_REGX: u8 = 0x90;

/// The root of the origin chain of the DIE at `off` (`off` itself when it
/// has neither DW_AT_abstract_origin nor DW_AT_specification), NONE when a
/// link leads outside every unit.
fn origin_root(ctx: &mut Ctx, off: u32) -> Res<u32> {
    let saved = ctx.here;
    let mut cur = off;
    let mut seen = 0;
    loop {
        if seen >= MAX_CHAIN {
            break;
        }
        seen += 1;
        let (_, unit, uoff) = match ctx.locate(cur) {
            Ok(x) => x,
            Err(_) => {
                ctx.here = saved;
                return Ok(NONE);
            }
        };
        let entry = unit.entry(uoff)?;
        let mut next = NONE;
        let mut attrs = entry.attrs();
        while let Some(a) = attrs.next()? {
            match a.name() {
                constants::DW_AT_abstract_origin | constants::DW_AT_specification if next == NONE => {
                    next = ctx.ref_off(&unit, &a.value())
                }
                _ => {}
            }
        }
        if next == NONE || next == cur {
            break;
        }
        cur = next;
    }
    ctx.here = saved;
    Ok(cur)
}

/// Reads a call site DIE (its attributes are next in `raw`) and pushes its
/// CallTable row; returns the row, for its parameters.
#[inline(never)] // a small DIE loop tiers up sooner (lib.rs: "Code size")
pub fn read_call_site(
    ctx: &mut Ctx,
    out: &mut Out,
    unit: &XUnit,
    raw: &mut EntriesRaw<'_, '_, R>,
    ab: &Abbreviation,
    ui: usize,
    urow: u32,
) -> Res<u32> {
    let mut origin = NONE;
    let mut flags = 0u8;
    let mut pc = None;
    for spec in ab.attributes() {
        let a = raw.read_attribute(*spec)?;
        match a.name() {
            constants::DW_AT_call_origin | constants::DW_AT_abstract_origin => origin = ctx.ref_off(unit, &a.value()),
            constants::DW_AT_call_return_pc | constants::DW_AT_low_pc => {
                if let Some(v) = ctx.dwarf.attr_address(unit, a.value())? {
                    pc = Some(v);
                    flags = (flags & !CALL_PC) | CALL_RETURN_PC;
                }
            }
            constants::DW_AT_call_pc if pc.is_none() => {
                if let Some(v) = ctx.dwarf.attr_address(unit, a.value())? {
                    pc = Some(v);
                    flags |= CALL_PC;
                }
            }
            constants::DW_AT_call_tail_call | constants::DW_AT_GNU_tail_call => {
                if matches!(a.value(), AttributeValue::Flag(true)) {
                    flags |= CALL_TAIL;
                }
            }
            constants::DW_AT_call_target | constants::DW_AT_GNU_call_site_target => flags |= CALL_HAS_TARGET,
            _ => {}
        }
    }
    let root = if origin == NONE { NONE } else { origin_root(ctx, origin)? };
    if root != NONE && ctx.unit_index_of(root) == Some(ui) {
        flags |= CALL_ORIGIN_LOCAL;
    }
    let row = out.call_origin.len() as u32;
    let pc = pc.unwrap_or(0);
    out.call_origin.push(root);
    out.call_unit.push(urow);
    out.call_pc_lo.push(pc as u32);
    out.call_pc_hi.push((pc >> 32) as u32);
    out.call_flags.push(flags);
    out.call_param_start.push(out.call_param_reg.len() as u32);
    out.call_param_count.push(0);
    Ok(row)
}

/// The register a location expression names exactly (DW_OP_regN / regx N).
fn reg_of(bytes: &[u8]) -> u32 {
    match bytes {
        [op] if (DW_OP_REG0..=DW_OP_REG31).contains(op) => (op - DW_OP_REG0) as u32,
        [DW_OP_REGX, rest @ ..] => {
            let (mut v, mut shift) = (0u64, 0u32);
            for (i, b) in rest.iter().enumerate() {
                if shift > 28 {
                    return NONE;
                }
                v |= ((b & 0x7f) as u64) << shift;
                shift += 7;
                if b & 0x80 == 0 {
                    return if i + 1 == rest.len() && v < NONE as u64 { v as u32 } else { NONE };
                }
            }
            NONE
        }
        _ => NONE,
    }
}

/// Reads a call site parameter DIE (a direct child of call site row `call`)
/// and pushes its CallParamTable row.
#[inline(never)] // a small DIE loop tiers up sooner (lib.rs: "Code size")
pub fn read_call_param(
    ctx: &mut Ctx,
    out: &mut Out,
    unit: &XUnit,
    raw: &mut EntriesRaw<'_, '_, R>,
    ab: &Abbreviation,
    call: u32,
) -> Res<()> {
    let mut reg = NONE;
    let mut value = None;
    for spec in ab.attributes() {
        let a = raw.read_attribute(*spec)?;
        match (a.name(), a.value()) {
            (constants::DW_AT_location, AttributeValue::Exprloc(e)) => reg = reg_of(e.0.slice()),
            (constants::DW_AT_location, AttributeValue::Block(b)) => reg = reg_of(b.slice()),
            (constants::DW_AT_call_value | constants::DW_AT_GNU_call_site_value, AttributeValue::Exprloc(e)) => {
                value = Some(e.0)
            }
            (constants::DW_AT_call_value | constants::DW_AT_GNU_call_site_value, AttributeValue::Block(b)) => {
                value = Some(b)
            }
            _ => {}
        }
    }
    let start = out.exprs.len();
    if let Some(v) = value {
        append_expr(ctx, unit, v, &mut out.exprs)?;
    }
    out.call_param_reg.push(reg);
    out.call_param_expr_off.push(start as u32);
    out.call_param_expr_len.push((out.exprs.len() - start) as u32);
    if let Some(n) = out.call_param_count.get_mut(call as usize) {
        *n += 1;
    }
    Ok(())
}
