//! Location of one parameter at one address.

use gimli::{constants, AttributeValue, DebugAddrIndex, Expression, LocationListsOffset, RawLocListEntry, Reader, Unit};

use crate::columns::Out;
use crate::expr::append_expr;
use crate::sections::{Ctx, Fail, Here, Res, R};

use crate::consts::{LOC_CONST_BLOCK, LOC_CONST_S, LOC_CONST_U, LOC_EXPR, LOC_LIST_NO_ENTRY, LOC_NONE, LOC_NO_ADDR};

/// Writes row `row` of the loc columns (already pushed as LOC_ABSENT).
/// `addr` is the site's entry address, `view` its entry view (None: not
/// known, see `list_entry_at`); `locviews` the parameter's DW_AT_GNU_locviews.
#[allow(clippy::too_many_arguments)]
#[inline(never)] // a small DIE loop tiers up sooner (lib.rs: "Code size")
pub fn set_loc(
    ctx: &mut Ctx,
    out: &mut Out,
    unit: &Unit<R>,
    row: usize,
    location: Option<AttributeValue<R>>,
    const_value: Option<AttributeValue<R>>,
    locviews: Option<AttributeValue<R>>,
    addr: Option<u64>,
    view: Option<u64>,
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
            let v5 = unit.header.version() >= 5;
            // A lazily read .debug_loclists: the unit's offset table, then the list (and its views), written first.
            if v5 && matches!(v, AttributeValue::DebugLocListsIndex(_)) {
                ctx.ensure_loclists(unit.loclists_base.0)?;
            }
            let list = ctx.dwarf.attr_locations_offset(unit, v)?;
            match (list, addr) {
                (Some(_), None) => (LOC_NO_ADDR, 0, 0, 0, 0),
                (Some(off), Some(a)) => {
                    if v5 {
                        ctx.ensure_loclists(off.0)?;
                        if let Some(AttributeValue::SecOffset(o) | AttributeValue::LocationListsRef(LocationListsOffset(o))) = locviews {
                            ctx.ensure_loclists(o)?;
                        }
                    }
                    let saved = ctx.here;
                    ctx.here = Here {
                        section: if unit.header.version() >= 5 { ".debug_loclists" } else { ".debug_loc" },
                        offset: off.0 as u64,
                    };
                    let found = list_entry_at(ctx, unit, off, locviews, a, view)?;
                    ctx.here = saved;
                    match found {
                        Pick::Found(expr) => {
                            let start = out.exprs.len();
                            append_expr(ctx, unit, expr.0, &mut out.exprs)?;
                            (LOC_EXPR, start as u32, (out.exprs.len() - start) as u32, 0, 0)
                        }
                        Pick::NoEntry | Pick::Ambiguous | Pick::Unreadable => (LOC_LIST_NO_ENTRY, 0, 0, 0, 0),
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

/// One location entry of a list: address range (base applied), the views
/// (begin view at `begin`, end view at `end`; (0, 0) when the list has none)
/// and the expression.
struct Entry {
    begin: u64,
    end: u64,
    vb: u64,
    ve: u64,
    data: Expression<R>,
}

/// The entries of the list at `off` and whether any view information was
/// found: Ok(None) when the view data cannot be read (malformed, or views
/// that do not pair up with the entries).
///
/// gcc's location views (-gvariable-location-views, the default since gcc 8):
/// either DW_AT_GNU_locviews points at a list of (begin view, end view)
/// uleb128 pairs placed immediately before the location list in the same
/// section, one pair per location entry (base address entries excluded),
/// or (-gvariable-location-views=incompat5) a DW_LLE_GNU_view_pair (0x09)
/// entry precedes the entry it qualifies; entries without one have views
/// (0, 0).
#[inline(never)] // a small DIE loop tiers up sooner (lib.rs: "Code size")
fn read_list(
    ctx: &Ctx,
    unit: &Unit<R>,
    off: LocationListsOffset<usize>,
    locviews: Option<AttributeValue<R>>,
) -> Res<Option<(Vec<Entry>, bool)>> {
    let v5 = unit.header.version() >= 5;
    // The converter applies base addresses, .debug_addr indices and
    // tombstones exactly as gimli's LocListIter does.
    let mut conv = ctx.dwarf.locations(unit, off)?;
    let mut entries: Vec<Entry> = Vec::new();
    // One bool per raw location entry: did it survive conversion (tombstones
    // do not), in list order, for pairing with DW_AT_GNU_locviews.
    let mut kept: Vec<bool> = Vec::new();
    let mut inline_views = false;
    if v5 {
        let mut input = ctx.debug_loclists;
        input.skip(off.0)?;
        let mut pending: Option<(u64, u64)> = None;
        loop {
            let raw = match parse_lle(&mut input, unit)? {
                Lle::End => break,
                Lle::ViewPair(b, e) => {
                    if pending.is_some() {
                        return Ok(None);
                    }
                    pending = Some((b, e));
                    inline_views = true;
                    continue;
                }
                Lle::Entry(raw) => raw,
            };
            let is_loc = !matches!(raw, RawLocListEntry::BaseAddress { .. } | RawLocListEntry::BaseAddressx { .. });
            let views = pending.take();
            if views.is_some() && !is_loc {
                return Ok(None);
            }
            match conv.convert_raw(raw) {
                Ok(Some(e)) => {
                    let (vb, ve) = views.unwrap_or((0, 0));
                    entries.push(Entry { begin: e.range.begin, end: e.range.end, vb, ve, data: e.data });
                    kept.push(true);
                }
                Ok(None) => {
                    if is_loc {
                        kept.push(false);
                    }
                }
                // begin > end: gimli stops the list there; so did btfgen
                // before views, keep the entries seen.
                Err(gimli::Error::InvalidAddressRange) => {
                    if inline_views || locviews.is_some() {
                        return Ok(None);
                    }
                    break;
                }
                Err(e) => return Err(Fail::Gimli(e)),
            }
        }
        if pending.is_some() {
            return Ok(None);
        }
    } else {
        loop {
            let raw = match conv.next_raw() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(gimli::Error::InvalidAddressRange) if locviews.is_none() => break,
                Err(gimli::Error::InvalidAddressRange) => return Ok(None),
                Err(e) => return Err(Fail::Gimli(e)),
            };
            let is_loc = !matches!(raw, RawLocListEntry::BaseAddress { .. } | RawLocListEntry::BaseAddressx { .. });
            match conv.convert_raw(raw) {
                Ok(Some(e)) => {
                    entries.push(Entry { begin: e.range.begin, end: e.range.end, vb: 0, ve: 0, data: e.data });
                    kept.push(true);
                }
                Ok(None) => {
                    if is_loc {
                        kept.push(false);
                    }
                }
                Err(gimli::Error::InvalidAddressRange) if locviews.is_none() => break,
                Err(gimli::Error::InvalidAddressRange) => return Ok(None),
                Err(e) => return Err(Fail::Gimli(e)),
            }
        }
    }
    let lv = match locviews {
        None => return Ok(Some((entries, inline_views))),
        Some(v) => v,
    };
    if inline_views {
        // Both schemes at once: not something gcc writes.
        return Ok(None);
    }
    let voff = match lv {
        AttributeValue::SecOffset(o) => o,
        AttributeValue::LocationListsRef(o) => o.0,
        _ => return Ok(None),
    };
    if voff > off.0 {
        return Ok(None);
    }
    let mut input = if v5 { ctx.debug_loclists } else { ctx.debug_loc };
    if input.skip(voff).is_err() {
        return Ok(None);
    }
    // The pairs fill [voff, off) exactly, one per raw location entry.
    let mut pairs: Vec<(u64, u64)> = Vec::with_capacity(kept.len());
    let mut pos = voff;
    while pos < off.0 {
        let before = input.len();
        let (b, e) = match (input.read_uleb128(), input.read_uleb128()) {
            (Ok(b), Ok(e)) => (b, e),
            _ => return Ok(None),
        };
        pos += before - input.len();
        pairs.push((b, e));
    }
    if pos != off.0 || pairs.len() != kept.len() {
        return Ok(None);
    }
    let mut k = 0;
    for (p, &survived) in pairs.iter().zip(kept.iter()) {
        if survived {
            entries[k].vb = p.0;
            entries[k].ve = p.1;
            k += 1;
        }
    }
    Ok(Some((entries, true)))
}

enum Lle {
    End,
    ViewPair(u64, u64),
    Entry(RawLocListEntry<R>),
}

/// One DWARF 5 `.debug_loclists` entry, as gimli's RawLocListEntry::parse
/// reads it, plus DW_LLE_GNU_view_pair.
fn parse_lle(input: &mut R, unit: &Unit<R>) -> Res<Lle> {
    let asz = unit.header.address_size();
    let data = |input: &mut R| -> Res<Expression<R>> {
        let len = input.read_uleb128()? as usize;
        Ok(Expression(input.split(len)?))
    };
    let idx = |input: &mut R| -> Res<DebugAddrIndex<usize>> { Ok(DebugAddrIndex(input.read_uleb128()? as usize)) };
    if input.is_empty() {
        return Ok(Lle::End);
    }
    Ok(match constants::DwLle(input.read_u8()?) {
        constants::DW_LLE_end_of_list => Lle::End,
        constants::DW_LLE_GNU_view_pair => {
            let b = input.read_uleb128()?;
            let e = input.read_uleb128()?;
            Lle::ViewPair(b, e)
        }
        constants::DW_LLE_base_addressx => Lle::Entry(RawLocListEntry::BaseAddressx { addr: idx(input)? }),
        constants::DW_LLE_startx_endx => {
            let begin = idx(input)?;
            let end = idx(input)?;
            Lle::Entry(RawLocListEntry::StartxEndx { begin, end, data: data(input)? })
        }
        constants::DW_LLE_startx_length => {
            let begin = idx(input)?;
            let length = input.read_uleb128()?;
            Lle::Entry(RawLocListEntry::StartxLength { begin, length, data: data(input)? })
        }
        constants::DW_LLE_offset_pair => {
            let begin = input.read_uleb128()?;
            let end = input.read_uleb128()?;
            Lle::Entry(RawLocListEntry::OffsetPair { begin, end, data: data(input)? })
        }
        constants::DW_LLE_default_location => Lle::Entry(RawLocListEntry::DefaultLocation { data: data(input)? }),
        constants::DW_LLE_base_address => Lle::Entry(RawLocListEntry::BaseAddress { addr: input.read_address(asz)? }),
        constants::DW_LLE_start_end => {
            let begin = input.read_address(asz)?;
            let end = input.read_address(asz)?;
            Lle::Entry(RawLocListEntry::StartEnd { begin, end, data: data(input)? })
        }
        constants::DW_LLE_start_length => {
            let begin = input.read_address(asz)?;
            let length = input.read_uleb128()?;
            Lle::Entry(RawLocListEntry::StartLength { begin, length, data: data(input)? })
        }
        // gimli reports an unknown kind as InvalidAddressRange, which ends
        // the list where it is (today's behaviour).
        _ => Lle::End,
    })
}

/// Is `e` in effect at (address `a`, view `v`)?
/// (begin, vb) <= (a, v) < (end, ve) in lexicographic order.
fn in_effect(e: &Entry, a: u64, v: u64) -> bool {
    (e.begin, e.vb) <= (a, v) && (a, v) < (e.end, e.ve)
}

/// The one expression in effect at (a, v). Entries that overlap there
/// with byte-identical expressions agree; different ones are ambiguous.
fn at_point(entries: &[Entry], a: u64, v: u64) -> Pick {
    let mut found: Option<Expression<R>> = None;
    for e in entries {
        if in_effect(e, a, v) {
            match &found {
                None => found = Some(e.data),
                Some(f) if f.0.slice() == e.data.0.slice() => {}
                Some(_) => return Pick::Ambiguous,
            }
        }
    }
    match found {
        Some(f) => Pick::Found(f),
        None => Pick::NoEntry,
    }
}

/// Outcome of `list_entry_at`.
enum Pick {
    Found(Expression<R>),
    /// No entry is in effect at the point.
    NoEntry,
    /// Entries with different expressions are in effect at the point, or
    /// (view not known) different entries are at different views.
    Ambiguous,
    /// The view data cannot be read or does not pair up with the entries.
    Unreadable,
}

/// The expression of the list at `off` in effect at the site entry.
///
/// Without views: the first entry whose range covers `a` (btfgen's rule
/// before views). With views (gcc): the entry in effect at (a, view), else
/// the one in effect at (a, view + 1); with no known view, the entry in
/// effect at every view of `a`, if that is one and the same. Unreadable
/// view data gives no location.
fn list_entry_at(
    ctx: &Ctx,
    unit: &Unit<R>,
    off: LocationListsOffset<usize>,
    locviews: Option<AttributeValue<R>>,
    a: u64,
    view: Option<u64>,
) -> Res<Pick> {
    let (entries, has_views) = match read_list(ctx, unit, off, locviews)? {
        Some(x) => x,
        None => return Ok(Pick::Unreadable),
    };
    if !has_views {
        return Ok(match entries.iter().find(|e| e.begin <= a && a < e.end) {
            Some(e) => Pick::Found(e.data),
            None => Pick::NoEntry,
        });
    }
    if let Some(v) = view {
        // gcc binds an inline instance's parameters after its entry row
        // (DW_AT_GNU_entry_view, the row of the function's opening line) and
        // before the first statement row, so those bindings start at the
        // next view: nothing of the body runs between the two. Later views
        // follow statements, which may change the parameter.
        return Ok(match at_point(&entries, a, v) {
            Pick::NoEntry => at_point(&entries, a, v.saturating_add(1)),
            p => p,
        });
    }
    // Unknown view: the set of entries in effect changes only at the views
    // entries begin or end at `a`; check them all (and view 0).
    let f = match at_point(&entries, a, 0) {
        Pick::Found(f) => f,
        p => {
            // Nothing at view 0 may still be something at a later view.
            let later = entries.iter().any(|e| (e.begin == a && e.vb != 0) || (e.end == a && e.ve != 0));
            return Ok(if later { Pick::Ambiguous } else { p });
        }
    };
    for e in &entries {
        for (at, v) in [(e.begin, e.vb), (e.end, e.ve)] {
            if at == a && v != 0 {
                match at_point(&entries, a, v) {
                    Pick::Found(x) if x.0.slice() == f.0.slice() => {}
                    _ => return Ok(Pick::Ambiguous),
                }
            }
        }
    }
    Ok(Pick::Found(f))
}
