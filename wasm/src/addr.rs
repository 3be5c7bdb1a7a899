//! Entry addresses of sites: DW_AT_entry_pc, else DW_AT_low_pc, else ranges.

use gimli::{AttributeValue, Unit};

use crate::sections::{Ctx, Fail, Res, R};

use crate::consts::{ADDR_ENTRY_PC, ADDR_LOW_PC, ADDR_NONE, ADDR_RANGES};

/// The pc-related attributes of one DIE, as read.
#[derive(Default)]
pub struct PcAttrs {
    pub entry_pc: Option<AttributeValue<R>>,
    pub low_pc: Option<AttributeValue<R>>,
    pub ranges: Option<AttributeValue<R>>,
}

impl PcAttrs {
    /// The DIE has code of its own (what makes a subprogram concrete).
    pub fn has_code(&self) -> bool {
        self.low_pc.is_some() || self.ranges.is_some()
    }
}

/// Start of the DIE's ranges: the lowest start (`lowest`), or the first
/// non-empty range in list order. Empty ranges are skipped.
pub fn ranges_start(ctx: &Ctx, unit: &Unit<R>, v: AttributeValue<R>, lowest: bool) -> Res<Option<u64>> {
    let off = match ctx.dwarf.attr_ranges_offset(unit, v)? {
        Some(o) => o,
        None => return Ok(None),
    };
    let mut it = ctx.dwarf.ranges(unit, off)?;
    let mut best: Option<u64> = None;
    loop {
        let r = match it.next() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            // begin > end: gimli stops the list; keep what was seen.
            Err(gimli::Error::InvalidAddressRange) => break,
            Err(e) => return Err(Fail::Gimli(e)),
        };
        if r.begin >= r.end {
            continue;
        }
        if !lowest {
            return Ok(Some(r.begin));
        }
        best = Some(match best {
            Some(b) if b <= r.begin => b,
            _ => r.begin,
        });
    }
    Ok(best)
}

/// Entry address and where it came from. `lowest_range` picks the lowest
/// range start (inline sites, as FORMAT.md 5 says) or the first range in list
/// order (out-of-line subprograms: gcc lists the part holding the entry first,
/// the `.cold` part after it, and in ET_REL objects the two live in different
/// sections whose offsets cannot be compared).
#[inline(never)] // a small DIE loop tiers up sooner (lib.rs: "Code size")
pub fn entry_addr(ctx: &Ctx, unit: &Unit<R>, pc: &PcAttrs, lowest_range: bool) -> Res<(u64, u8)> {
    let low = match &pc.low_pc {
        Some(v) => ctx.dwarf.attr_address(unit, v.clone())?,
        None => None,
    };
    let base = || -> Res<Option<u64>> {
        if low.is_some() {
            return Ok(low);
        }
        match &pc.ranges {
            Some(r) => ranges_start(ctx, unit, r.clone(), lowest_range),
            None => Ok(None),
        }
    };
    if let Some(v) = &pc.entry_pc {
        match *v {
            AttributeValue::Addr(_) | AttributeValue::DebugAddrIndex(_) => {
                if let Some(a) = ctx.dwarf.attr_address(unit, v.clone())? {
                    return Ok((a, ADDR_ENTRY_PC));
                }
            }
            // DWARF 5: a constant is an offset from the entity's base address.
            AttributeValue::Data1(_)
            | AttributeValue::Data2(_)
            | AttributeValue::Data4(_)
            | AttributeValue::Data8(_)
            | AttributeValue::Udata(_)
            | AttributeValue::Sdata(_) => {
                if let (Some(c), Some(b)) = (v.udata_value(), base()?) {
                    return Ok((b.wrapping_add(c), ADDR_ENTRY_PC));
                }
            }
            _ => {}
        }
    }
    if let Some(a) = low {
        return Ok((a, ADDR_LOW_PC));
    }
    if let Some(r) = &pc.ranges {
        if let Some(a) = ranges_start(ctx, unit, r.clone(), lowest_range)? {
            return Ok((a, ADDR_RANGES));
        }
    }
    Ok((0, ADDR_NONE))
}
