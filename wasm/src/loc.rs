//! Location of one parameter at one address.

use gimli::{AttributeValue, Unit};

use crate::columns::Out;
use crate::expr::append_expr;
use crate::sections::{Ctx, Fail, Here, Res, R};

/// Values of `locs.kind` (records.ts LOC_*).
pub const LOC_ABSENT: u8 = 0;
pub const LOC_EXPR: u8 = 1;
pub const LOC_CONST_U: u8 = 2;
pub const LOC_CONST_S: u8 = 3;
pub const LOC_CONST_BLOCK: u8 = 4;
pub const LOC_LIST_NO_ENTRY: u8 = 5;
pub const LOC_NO_ADDR: u8 = 6;
/// Extension: the instance has the formal parameter, but neither
/// DW_AT_location nor DW_AT_const_value (optimised out).
pub const LOC_NONE: u8 = 7;

/// Writes row `row` of the loc columns (already pushed as LOC_ABSENT).
pub fn set_loc(
    ctx: &mut Ctx,
    out: &mut Out,
    unit: &Unit<R>,
    row: usize,
    location: Option<AttributeValue<R>>,
    const_value: Option<AttributeValue<R>>,
    addr: Option<u64>,
) -> Res<()> {
    let (kind, eoff, elen, lo, hi) = match (location, const_value) {
        (Some(AttributeValue::Exprloc(e)), _) => {
            let start = out.exprs.len();
            append_expr(ctx, unit, e.0, &mut out.exprs)?;
            (LOC_EXPR, start as u32, (out.exprs.len() - start) as u32, 0, 0)
        }
        // DWARF 2/3 block forms of a location expression.
        (Some(AttributeValue::Block(b)), _) => {
            let start = out.exprs.len();
            append_expr(ctx, unit, b, &mut out.exprs)?;
            (LOC_EXPR, start as u32, (out.exprs.len() - start) as u32, 0, 0)
        }
        (Some(v), c) => {
            let list = ctx.dwarf.attr_locations_offset(unit, v)?;
            match (list, addr) {
                (Some(_), None) => (LOC_NO_ADDR, 0, 0, 0, 0),
                (Some(off), Some(a)) => {
                    let saved = ctx.here;
                    ctx.here = Here {
                        section: if unit.header.version() >= 5 { ".debug_loclists" } else { ".debug_loc" },
                        offset: off.0 as u64,
                    };
                    let mut it = ctx.dwarf.locations(unit, off)?;
                    let mut found = None;
                    loop {
                        let e = match it.next() {
                            Ok(Some(e)) => e,
                            Ok(None) => break,
                            Err(gimli::Error::InvalidAddressRange) => break,
                            Err(e) => return Err(Fail::Gimli(e)),
                        };
                        if e.range.begin <= a && a < e.range.end {
                            found = Some(e.data);
                            break;
                        }
                    }
                    ctx.here = saved;
                    match found {
                        Some(expr) => {
                            let start = out.exprs.len();
                            append_expr(ctx, unit, expr.0, &mut out.exprs)?;
                            (LOC_EXPR, start as u32, (out.exprs.len() - start) as u32, 0, 0)
                        }
                        None => (LOC_LIST_NO_ENTRY, 0, 0, 0, 0),
                    }
                }
                (None, _) => match c {
                    Some(c) => const_loc(out, c),
                    None => (LOC_NONE, 0, 0, 0, 0),
                },
            }
        }
        (None, Some(c)) => const_loc(out, c),
        (None, None) => (LOC_NONE, 0, 0, 0, 0),
    };
    if row < out.loc_kind.len() {
        out.loc_kind[row] = kind;
        out.loc_expr_off[row] = eoff;
        out.loc_expr_len[row] = elen;
        out.loc_val_lo[row] = lo;
        out.loc_val_hi[row] = hi;
    }
    Ok(())
}

/// (kind, exprOff, exprLen, valLo, valHi) of a DW_AT_const_value.
fn const_loc(out: &mut Out, c: AttributeValue<R>) -> (u8, u32, u32, u32, u32) {
    match c {
        AttributeValue::Sdata(v) => (LOC_CONST_S, 0, 0, v as u64 as u32, ((v as u64) >> 32) as u32),
        AttributeValue::Block(b) | AttributeValue::String(b) => {
            let start = out.exprs.len();
            out.exprs.extend_from_slice(b.slice());
            (LOC_CONST_BLOCK, start as u32, b.len() as u32, 0, 0)
        }
        ref v => match v.udata_value() {
            Some(u) => (LOC_CONST_U, 0, 0, u as u32, (u >> 32) as u32),
            None => (LOC_NONE, 0, 0, 0, 0),
        },
    }
}
