//! Expression normalisation before bytes cross the boundary.
//!
//! DW_OP_addrx / DW_OP_GNU_addr_index become DW_OP_addr with an operand of
//! the unit's address size, DW_OP_constx / DW_OP_GNU_const_index become
//! DW_OP_const8u; both operands are written in the target byte order, like
//! every other operand. All other operations are copied byte for byte, so a
//! consumer sees exactly what the compiler wrote (nested expressions of
//! DW_OP_entry_value are copied as they are).

use gimli::{DebugAddrIndex, Operation, Reader, Unit};

use crate::sections::{Ctx, Res, R};

const DW_OP_ADDR: u8 = 0x03;
const DW_OP_CONST8U: u8 = 0x0e;
const DW_OP_ADDRX: u8 = 0xa1;
const DW_OP_CONSTX: u8 = 0xa2;
const DW_OP_GNU_ADDR_INDEX: u8 = 0xfb;
const DW_OP_GNU_CONST_INDEX: u8 = 0xfc;

/// Appends the normalised form of `expr` to `out`.
pub fn append_expr(ctx: &Ctx, unit: &Unit<R>, expr: R, out: &mut Vec<u8>) -> Res<()> {
    let bytes = expr.slice();
    // Fast path: no byte could start an indexed operation, so no operation does.
    if !bytes
        .iter()
        .any(|&b| b == DW_OP_ADDRX || b == DW_OP_CONSTX || b == DW_OP_GNU_ADDR_INDEX || b == DW_OP_GNU_CONST_INDEX)
    {
        out.extend_from_slice(bytes);
        return Ok(());
    }
    let encoding = unit.encoding();
    let mut r = expr;
    while !r.is_empty() {
        let start = bytes.len() - r.len();
        let op = Operation::parse(&mut r, encoding)?;
        let end = bytes.len() - r.len();
        match op {
            Operation::AddressIndex { index } => {
                let a = ctx.dwarf.address(unit, index)?;
                out.push(DW_OP_ADDR);
                push_addr(out, a, encoding.address_size, ctx.little_endian);
            }
            Operation::ConstantIndex { index } => {
                let v = ctx.dwarf.address(unit, DebugAddrIndex(index.0))?;
                out.push(DW_OP_CONST8U);
                push_addr(out, v, 8, ctx.little_endian);
            }
            _ => out.extend_from_slice(&bytes[start..end]),
        }
    }
    Ok(())
}

fn push_addr(out: &mut Vec<u8>, v: u64, size: u8, le: bool) {
    let b = if le { v.to_le_bytes() } else { v.to_be_bytes() };
    let n = (size as usize).min(8);
    if le {
        out.extend_from_slice(&b[..n]);
    } else {
        out.extend_from_slice(&b[8 - n..]);
    }
}
