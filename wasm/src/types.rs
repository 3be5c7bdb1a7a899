//! Type DIEs for the BTF encoder (DieTable of records.ts).
//!
//! One pass per unit with `EntriesRaw`, keeping the tags the encoder needs
//! (see [`kept`]) in DIE order, so a parent row precedes its children. Which
//! DIEs are kept:
//! - every type DIE wherever it sits (types local to a function included);
//! - members, enumerators and subranges under a kept parent;
//! - formal parameters / unspecified parameters directly under a kept
//!   subprogram or subroutine type;
//! - subprograms anywhere;
//! - variables at unit level, and deeper ones only when their location is a
//!   DW_OP_addr / DW_OP_addrx expression (function-local statics);
//! - annotations (DW_TAG_LLVM_annotation, DW_TAG_GNU_annotation) under a kept DIE.
//!
//! Column meanings beyond records.ts: `origin` of a DW_TAG_ptr_to_member_type
//! holds its DW_AT_containing_type. References through DW_FORM_ref_sig8 name
//! the type unit's type; gcc's stand-ins for it (a DIE with DW_AT_signature)
//! get no row, references to them are redirected (lib.rs `redirect_aliases`).
//! The units a walked unit refers to for types (imported partial units, type
//! units, the supplementary file's units) are walked after it, once per
//! walk (lib.rs `walk_dependencies`).

use gimli::{constants, Abbreviation, AttributeValue, DwTag, EntriesRaw};

use crate::addr::{entry_addr, PcAttrs};
use crate::columns::Out;
use crate::expr::append_expr;
use crate::sections::{Ctx, Res, XUnit, R};
use crate::strings::FxMap;

use crate::consts::*;

const DW_TAG_LLVM_ANNOTATION: DwTag = DwTag(0x6000);
const DW_TAG_GNU_ANNOTATION: DwTag = DwTag(0x6001);
const DW_OP_ADDR: u8 = 0x03;
const DW_OP_ADDRX: u8 = 0xa1;
const DW_OP_GNU_ADDR_INDEX: u8 = 0xfb;
const DW_OP_PLUS_UCONST: u8 = 0x23;

fn is_type_tag(t: DwTag) -> bool {
    matches!(
        t,
        constants::DW_TAG_base_type
            | constants::DW_TAG_unspecified_type
            | constants::DW_TAG_pointer_type
            | constants::DW_TAG_reference_type
            | constants::DW_TAG_rvalue_reference_type
            | constants::DW_TAG_ptr_to_member_type
            | constants::DW_TAG_const_type
            | constants::DW_TAG_volatile_type
            | constants::DW_TAG_restrict_type
            | constants::DW_TAG_atomic_type
            | constants::DW_TAG_typedef
            | constants::DW_TAG_structure_type
            | constants::DW_TAG_class_type
            | constants::DW_TAG_union_type
            | constants::DW_TAG_enumeration_type
            | constants::DW_TAG_array_type
            | constants::DW_TAG_subroutine_type
    )
}

/// Whether a DIE with `tag` is kept, given its parent's tag (None when the
/// parent is not kept) and its depth.
fn kept(tag: DwTag, parent: Option<DwTag>, depth: isize) -> bool {
    if is_type_tag(tag) || tag == constants::DW_TAG_subprogram {
        return true;
    }
    match tag {
        constants::DW_TAG_member => matches!(
            parent,
            Some(constants::DW_TAG_structure_type | constants::DW_TAG_class_type | constants::DW_TAG_union_type)
        ),
        constants::DW_TAG_enumerator => parent == Some(constants::DW_TAG_enumeration_type),
        constants::DW_TAG_subrange_type => parent == Some(constants::DW_TAG_array_type),
        constants::DW_TAG_formal_parameter | constants::DW_TAG_unspecified_parameters => {
            matches!(parent, Some(constants::DW_TAG_subprogram | constants::DW_TAG_subroutine_type))
        }
        // Deeper variables are decided once their location is known.
        constants::DW_TAG_variable => true,
        DW_TAG_LLVM_ANNOTATION | DW_TAG_GNU_ANNOTATION => parent.is_some(),
        _ => {
            let _ = depth;
            false
        }
    }
}

#[derive(Clone, Copy)]
struct Parent {
    row: u32,
    tag: Option<DwTag>,
    /// Enumeration: its underlying type is signed.
    signed_enum: bool,
}

/// The parent of unit-level DIEs, and of DIEs under one that is not kept.
const TOP: Parent = Parent { row: NONE, tag: None, signed_enum: false };

/// One DIE's attributes as the table wants them.
struct Row {
    name: u32,
    ty: u32,
    origin: u32,
    byte_size: u32,
    bit_size: u32,
    bit_offset: u32,
    encoding: u8,
    count: u32,
    val: u64,
    flags: u32,
    expr_off: u32,
    expr_len: u32,
    addr: u64,
}

/// Follows typedef / cv-qualifier DIEs from `off` to a DIE with
/// DW_AT_byte_size or DW_AT_encoding; returns (byte size, signed).
fn type_facts(ctx: &mut Ctx, mut off: u32) -> Res<(Option<u64>, bool)> {
    for _ in 0..16 {
        if off == NONE {
            break;
        }
        let (_, unit, uoff) = ctx.locate(off)?;
        let e = unit.entry(uoff)?;
        let mut size = None;
        let mut enc = None;
        let mut next = NONE;
        let mut attrs = e.attrs();
        while let Some(a) = attrs.next()? {
            match a.name() {
                constants::DW_AT_byte_size => size = a.udata_value(),
                constants::DW_AT_encoding => {
                    if let AttributeValue::Encoding(x) = a.value() {
                        enc = Some(x)
                    }
                }
                constants::DW_AT_type => next = ctx.ref_off(&unit, &a.value()),
                _ => {}
            }
        }
        if let Some(x) = enc {
            let signed = x == constants::DW_ATE_signed || x == constants::DW_ATE_signed_char;
            return Ok((size, signed));
        }
        if size.is_some() && e.tag() != constants::DW_TAG_enumeration_type {
            return Ok((size, false));
        }
        if e.tag() == constants::DW_TAG_enumeration_type && next == NONE {
            return Ok((size, false));
        }
        off = next;
    }
    Ok((None, false))
}

/// An array bound (DW_AT_lower_bound / upper_bound / count). The DW_FORM_dataN
/// forms carry no sign: gcc writes `char buf[144]`'s upper bound 143 as
/// `data1 0x8f`, which must not become -113, and 255 of `char e[256]` as
/// `data1 0xff`. They are read zero-extended, except all ones in 4 or 8
/// bytes, which is how gcc spells the -1 of a zero-length array (`x[0]`) on
/// 32- and 64-bit targets; no real array has 2^32 elements. sdata is signed,
/// udata unsigned.
fn bound_value(v: &AttributeValue<R>) -> Option<i64> {
    Some(match *v {
        AttributeValue::Data1(x) => x as i64,
        AttributeValue::Data2(x) => x as i64,
        AttributeValue::Data4(x) => if x == u32::MAX { -1 } else { x as i64 },
        AttributeValue::Data8(x) => x as i64,
        AttributeValue::Sdata(x) => x,
        AttributeValue::Udata(x) => x as i64,
        _ => return None,
    })
}

/// The operand of an expression that is exactly `DW_OP_plus_uconst N`
/// (how DWARF 2 gave member offsets).
fn plus_uconst(mut e: R) -> Option<u64> {
    use gimli::Reader;
    if e.read_u8().ok()? != DW_OP_PLUS_UCONST {
        return None;
    }
    let v = e.read_uleb128().ok()?;
    if e.is_empty() {
        Some(v)
    } else {
        None
    }
}

fn first_op_is_addr(bytes: &[u8]) -> bool {
    matches!(bytes.first(), Some(&DW_OP_ADDR) | Some(&DW_OP_ADDRX) | Some(&DW_OP_GNU_ADDR_INDEX))
}

/// Walks unit `ui`, appending its kept DIEs to the dies columns.
#[inline(never)] // a small DIE loop tiers up sooner (lib.rs: "Code size")
pub fn walk_types(ctx: &mut Ctx, out: &mut Out, ui: usize, urow: u32) -> Res<()> {
    let unit = ctx.unit(ui)?;
    let base = unit.base;
    let mut raw = unit.entries_raw(None)?;
    let mut stack: Vec<Parent> = Vec::with_capacity(64);
    while !raw.is_empty() {
        let (depth, off, ab) = match ctx.next_die(&mut raw, base)? {
            Some(x) => x,
            None => continue,
        };
        let d = if depth < 0 { 0 } else { depth as usize };
        stack.truncate(d);
        let parent = stack.last().copied().unwrap_or(TOP);
        let tag = ab.tag();
        let mut me = TOP;
        if depth > 0 && kept(tag, parent.tag, depth) {
            me = read_die(ctx, out, &unit, &mut raw, ab, off, parent, depth, urow)?;
        } else if tag == constants::DW_TAG_imported_unit {
            // dwz: the partial unit (here or in the supplementary file)
            // holding DIEs this unit refers to.
            for spec in ab.attributes() {
                let a = raw.read_attribute(*spec)?;
                if a.name() == constants::DW_AT_import {
                    let target = ctx.ref_off(&unit, &a.value());
                    ctx.note_import(target);
                }
            }
        } else {
            raw.skip_attributes(ab.attributes())?;
        }
        if ab.has_children() {
            enter(&mut stack, d, me);
        }
    }
    Ok(())
}

/// Makes `me` the parent of the children of a DIE at depth `d` (the stack
/// is indexed by depth; levels the walk skipped get [`TOP`]).
fn enter(stack: &mut Vec<Parent>, d: usize, me: Parent) {
    while stack.len() < d {
        stack.push(TOP);
    }
    stack.push(me);
}

/// Reads the kept DIE `off` (its abbreviation `ab` just read from `raw`)
/// under `parent`: pushes its row, or none for a variable that is no
/// function-local static and for a DW_AT_signature stand-in (see below).
/// Returns what its children see as their parent.
#[allow(clippy::too_many_arguments)]
fn read_die(
    ctx: &mut Ctx,
    out: &mut Out,
    unit: &XUnit,
    raw: &mut EntriesRaw<R>,
    ab: &Abbreviation,
    off: u32,
    parent: Parent,
    depth: isize,
    urow: u32,
) -> Res<Parent> {
    let le = ctx.little_endian;
    let tag = ab.tag();
    let mut me = TOP;
    let mut r = Row {
        name: 0,
        ty: NONE,
        origin: NONE,
        byte_size: NONE,
        bit_size: 0,
        bit_offset: NONE,
        encoding: 0,
        count: NONE,
        val: 0,
        flags: 0,
        expr_off: 0,
        expr_len: 0,
        addr: 0,
    };
    let mut pc = PcAttrs::default();
    let mut member_loc: Option<u64> = None;
    let mut data_bit_offset: Option<u64> = None;
    let mut legacy_bit_offset: Option<u64> = None;
    let mut lower: i128 = 0;
    let mut upper: Option<i128> = None;
    let mut const_value: Option<AttributeValue<R>> = None;
    let mut location: Option<AttributeValue<R>> = None;
    let mut signature = NONE;
    for spec in ab.attributes() {
        let a = raw.read_attribute(*spec)?;
        let v = a.value();
        match a.name() {
            constants::DW_AT_signature => signature = ctx.ref_off(unit, &v),
            constants::DW_AT_name => r.name = ctx.attr_str(unit, v),
            constants::DW_AT_type => r.ty = ctx.ref_off(unit, &v),
            constants::DW_AT_abstract_origin | constants::DW_AT_specification => {
                r.origin = ctx.ref_off(unit, &v)
            }
            constants::DW_AT_containing_type if tag == constants::DW_TAG_ptr_to_member_type => {
                r.origin = ctx.ref_off(unit, &v)
            }
            constants::DW_AT_byte_size => {
                if let Some(x) = v.udata_value() {
                    r.byte_size = x.min(NONE as u64 - 1) as u32
                }
            }
            constants::DW_AT_bit_size => r.bit_size = v.udata_value().unwrap_or(0) as u32,
            constants::DW_AT_encoding => {
                if let AttributeValue::Encoding(e) = v {
                    r.encoding = e.0
                }
            }
            constants::DW_AT_data_member_location => {
                member_loc = match a.raw_value() {
                    AttributeValue::Exprloc(gimli::Expression(e)) | AttributeValue::Block(e) => {
                        plus_uconst(e)
                    }
                    ref raw_v => raw_v.udata_value(),
                }
            }
            constants::DW_AT_data_bit_offset => data_bit_offset = v.udata_value(),
            constants::DW_AT_bit_offset => legacy_bit_offset = v.udata_value(),
            constants::DW_AT_count => {
                if let Some(x) = bound_value(&a.raw_value()) {
                    upper = Some(lower + x as i128 - 1);
                    lower = 0;
                }
            }
            constants::DW_AT_lower_bound => {
                if let Some(x) = bound_value(&a.raw_value()) {
                    lower = x as i128
                }
            }
            constants::DW_AT_upper_bound => {
                // All-ones in any width means "unknown" (-1).
                upper = bound_value(&a.raw_value()).map(|x| x as i128)
            }
            constants::DW_AT_const_value => const_value = Some(v),
            constants::DW_AT_location => location = Some(v),
            constants::DW_AT_low_pc => pc.low_pc = Some(v),
            constants::DW_AT_ranges => pc.ranges = Some(v),
            constants::DW_AT_entry_pc => pc.entry_pc = Some(v),
            constants::DW_AT_declaration if matches!(v, AttributeValue::Flag(true)) => {
                r.flags |= DIE_DECLARATION
            }
            constants::DW_AT_external if matches!(v, AttributeValue::Flag(true)) => r.flags |= DIE_EXTERNAL,
            constants::DW_AT_artificial if matches!(v, AttributeValue::Flag(true)) => {
                r.flags |= DIE_ARTIFICIAL
            }
            constants::DW_AT_prototyped if matches!(v, AttributeValue::Flag(true)) => {
                r.flags |= DIE_PROTOTYPED
            }
            constants::DW_AT_inline => {
                if let AttributeValue::Inline(i) = v {
                    if i == constants::DW_INL_declared_inlined || i == constants::DW_INL_declared_not_inlined {
                        r.flags |= DIE_DECLARED_INLINE
                    }
                }
            }
            _ => {}
        }
    }
    // Variables below unit level: only function-local statics.
    if tag == constants::DW_TAG_variable && depth > 1 {
        let is_static = match &location {
            Some(AttributeValue::Exprloc(e)) => first_op_is_addr(e.0.slice()),
            _ => false,
        };
        if !is_static {
            return Ok(me);
        }
    }
    match tag {
        constants::DW_TAG_member => {
            let mut bits: Option<u64> = member_loc.map(|b| b.wrapping_mul(8));
            if let Some(dbo) = data_bit_offset {
                bits = Some(bits.unwrap_or(0).wrapping_add(dbo));
            } else if let Some(bo) = legacy_bit_offset {
                // DWARF 2/3: bit_offset counts from the most
                // significant bit of the storage unit.
                let storage = if r.byte_size != NONE {
                    Some(r.byte_size as u64)
                } else {
                    type_facts(ctx, r.ty)?.0
                };
                let byte_bits = bits.unwrap_or(0);
                bits = if le {
                    storage.map(|s| byte_bits.wrapping_add(s * 8).wrapping_sub(bo).wrapping_sub(r.bit_size as u64))
                } else {
                    Some(byte_bits.wrapping_add(bo))
                };
                r.flags |= DIE_BIT_OFFSET_CONVERTED;
            }
            // Union members may omit the location (gcc does): offset 0.
            if bits.is_none() && parent.tag == Some(constants::DW_TAG_union_type) {
                bits = Some(0);
            }
            if let Some(b) = bits {
                r.bit_offset = b.min(NONE as u64 - 1) as u32;
            }
        }
        constants::DW_TAG_subrange_type => {
            if let Some(u) = upper {
                let c = u - lower + 1;
                r.count = if c < 0 { 0 } else { c.min(NONE as i128 - 1) as u32 };
            }
        }
        constants::DW_TAG_enumeration_type => {
            me.signed_enum = if r.ty != NONE { type_facts(ctx, r.ty)?.1 } else { false };
        }
        constants::DW_TAG_subprogram => {
            if pc.has_code() {
                let (a, src) = entry_addr(ctx, unit, &pc, false)?;
                if src != ADDR_NONE {
                    r.addr = a;
                    r.flags |= DIE_HAS_ADDR;
                }
            }
        }
        _ => {}
    }
    if let Some(c) = const_value {
        match c {
            AttributeValue::Sdata(x) => {
                r.val = x as u64;
                r.flags |= DIE_SIGNED_VALUE;
            }
            AttributeValue::Udata(x) => r.val = x,
            AttributeValue::Data1(_)
            | AttributeValue::Data2(_)
            | AttributeValue::Data4(_)
            | AttributeValue::Data8(_) => {
                // gcc writes a negative enumerator as sdata and a non-negative one
                // in the smallest dataN (0x80 in data1 is 128, as pahole and
                // llvm-dwarfdump read it); clang uses sdata/udata. So dataN is
                // zero-extended; a signed enum stays marked signed.
                r.val = c.udata_value().unwrap_or(0);
                if tag == constants::DW_TAG_enumerator && parent.signed_enum {
                    r.flags |= DIE_SIGNED_VALUE;
                }
            }
            AttributeValue::Block(b) => {
                let start = out.exprs.len();
                out.exprs.extend_from_slice(b.slice());
                r.expr_off = start as u32;
                r.expr_len = b.len() as u32;
            }
            // Annotations: the string value's id goes in valLo.
            other => {
                let id = ctx.attr_str(unit, other);
                r.val = id as u64;
            }
        }
    }
    if let Some(AttributeValue::Exprloc(e)) = location {
        let start = out.exprs.len();
        append_expr(ctx, unit, e.0, &mut out.exprs)?;
        r.expr_off = start as u32;
        r.expr_len = (out.exprs.len() - start) as u32;
        r.flags |= DIE_HAS_ADDR;
    } else if location.is_some() && tag == constants::DW_TAG_variable {
        // A location list: storage exists but is not one address.
        r.flags |= DIE_HAS_ADDR;
    }
    if signature != NONE {
        // gcc: a stand-in for the type of a type unit (DW_AT_signature,
        // DW_FORM_ref_sig8). No row: references to it are redirected to
        // that type when the walk ends (`Ctx::aliases`).
        ctx.aliases.insert(off, signature);
        ctx.note_ref(unit, signature)?;
    } else {
        ctx.note_ref(unit, r.ty)?;
        ctx.note_ref(unit, r.origin)?;
        me.row = push_row(out, off, tag, parent.row, urow, &r);
        me.tag = Some(tag);
    }
    Ok(me)
}

/// State of a demand walk ([`walk_demand`]): the DIEs read so far, and the
/// row of each unit in the units table.
#[derive(Default)]
pub struct Demand {
    done: FxMap<u32, ()>,
    urows: FxMap<usize, u32>,
}

/// Whether a child DIE read in a demand walk gets a row: the parts of a kept
/// parent (members, enumerators, subranges, parameters, annotations), never
/// DIEs that are rows of their own when something refers to them (types,
/// subprograms, variables).
fn demand_child(tag: DwTag, parent: Option<DwTag>, depth: isize) -> bool {
    !is_type_tag(tag)
        && tag != constants::DW_TAG_subprogram
        && tag != constants::DW_TAG_variable
        && kept(tag, parent, depth)
}

/// Whether DIE row `row` is an aggregate a demand walk reads without its
/// member types: a complete, named struct, class or union, which the
/// func_info encoder may take from the base (`src/encode/baseshape.ts`); the
/// caller asks for the member types of those it does not.
fn lazy_row(out: &Out, row: u32) -> bool {
    let r = row as usize;
    let tag = DwTag(out.die_tag[r]);
    matches!(tag, constants::DW_TAG_structure_type | constants::DW_TAG_class_type | constants::DW_TAG_union_type)
        && out.die_name[r] != 0
        && out.die_byte_size[r] != NONE
        && out.die_flags[r] & DIE_DECLARATION == 0
}

/// Reads the type DIEs reachable from the DIEs at global offsets `roots`
/// (subprograms and types; anything else is ignored), each once per
/// [`Demand`]: a DIE's row and its parts' rows (see [`demand_child`]), then
/// what they refer to (DW_AT_type, DW_AT_abstract_origin /
/// DW_AT_specification, DW_AT_containing_type), except the member types of
/// the aggregates [`lazy_row`] names. References go anywhere: other units,
/// partial units, type units, the supplementary file. This is the type
/// table the func_info prototypes need, instead of every type DIE of the
/// walked units.
pub fn walk_demand(ctx: &mut Ctx, out: &mut Out, dem: &mut Demand, roots: &[u32]) -> Res<()> {
    let mut work: Vec<u32> = roots.iter().rev().copied().collect();
    let mut stack: Vec<Parent> = Vec::with_capacity(16);
    while let Some(off) = work.pop() {
        if off == NONE || dem.done.insert(off, ()).is_some() {
            continue;
        }
        let (ui, unit, uoff) = ctx.locate(off)?;
        let urow = match dem.urows.get(&ui) {
            Some(&r) => r,
            None => {
                let r = crate::sites::push_unit(ctx, out, ui)?;
                dem.urows.insert(ui, r);
                r
            }
        };
        let mut raw = unit.entries_raw(Some(uoff))?;
        let ab = match ctx.next_die(&mut raw, unit.base)? {
            Some((_, _, ab)) => ab,
            None => continue,
        };
        let tag = ab.tag();
        if !is_type_tag(tag) && tag != constants::DW_TAG_subprogram {
            continue;
        }
        let first = out.die_off.len() as u32;
        let me = read_die(ctx, out, &unit, &mut raw, ab, off, TOP, 1, urow)?;
        if let Some(&target) = ctx.aliases.get(&off) {
            work.push(target);
        }
        let lazy = me.row != NONE && lazy_row(out, me.row);
        if ab.has_children() {
            stack.clear();
            stack.push(me);
            // Depths below are relative to the root (0); its parts are at 1.
            while !raw.is_empty() && raw.next_depth() > 0 {
                let (depth, coff, cab) = match ctx.next_die(&mut raw, unit.base)? {
                    Some(x) => x,
                    None => continue,
                };
                let d = depth as usize;
                stack.truncate(d);
                let parent = stack.last().copied().unwrap_or(TOP);
                let ctag = cab.tag();
                let mut child = TOP;
                if parent.tag.is_some() && demand_child(ctag, parent.tag, depth + 1) && dem.done.insert(coff, ()).is_none() {
                    child = read_die(ctx, out, &unit, &mut raw, cab, coff, parent, depth + 1, urow)?;
                } else {
                    raw.skip_attributes(cab.attributes())?;
                }
                if cab.has_children() {
                    enter(&mut stack, d, child);
                }
            }
        }
        // What the new rows refer to, in row order (pushed reversed: popped in order).
        let end = out.die_off.len() as u32;
        let mark = work.len();
        for row in first..end {
            let r = row as usize;
            let member_of_lazy = lazy && row != me.row && DwTag(out.die_tag[r]) == constants::DW_TAG_member;
            if !member_of_lazy {
                work.push(out.die_type[r]);
            }
            work.push(out.die_origin[r]);
        }
        work[mark..].reverse();
    }
    Ok(())
}

fn push_row(out: &mut Out, off: u32, tag: DwTag, parent: u32, urow: u32, r: &Row) -> u32 {
    let row = out.die_off.len() as u32;
    out.die_off.push(off);
    out.die_tag.push(tag.0);
    out.die_parent.push(parent);
    out.die_unit.push(urow);
    out.die_name.push(r.name);
    out.die_type.push(r.ty);
    out.die_origin.push(r.origin);
    out.die_byte_size.push(r.byte_size);
    out.die_bit_size.push(r.bit_size);
    out.die_bit_offset.push(r.bit_offset);
    out.die_encoding.push(r.encoding);
    out.die_count.push(r.count);
    out.die_val_lo.push(r.val as u32);
    out.die_val_hi.push((r.val >> 32) as u32);
    out.die_flags.push(r.flags);
    out.die_expr_off.push(r.expr_off);
    out.die_expr_len.push(r.expr_len);
    out.die_addr_lo.push(r.addr as u32);
    out.die_addr_hi.push((r.addr >> 32) as u32);
    row
}
