//! Origins: abstract-origin / specification chains, FuncTable and ParamTable
//! rows, and the map from an instance's formal parameters to origin slots.
//!
//! A "start" is the DIE a site names directly (the inlined subroutine's
//! DW_AT_abstract_origin, or the concrete subprogram itself). Its chain is
//! followed through DW_AT_abstract_origin / DW_AT_specification (any unit)
//! to the root, which owns the FuncTable row (one per root per walk). The
//! slot map of a start lists (parameter DIE offset, slot) for the parameters
//! of every DIE on the chain: the root's in order; along an abstract-origin
//! link a parameter maps through its own DW_AT_abstract_origin (clones drop
//! parameters, so position means nothing there); along a specification link
//! (definition -> declaration) by position.

use gimli::{constants, AttributeValue, UnitOffset};

use crate::columns::Out;
use crate::sections::{Ctx, Fail, Res, XUnit, R};
use crate::strings::FxMap;

use crate::consts::*;

/// Longest origin chain followed (cycles in bad input end here too).
const MAX_CHAIN: usize = 16;

/// What a site needs to know about its start DIE.
#[derive(Clone, Copy)]
pub struct Start {
    /// FuncTable row of the root.
    pub func: u32,
    /// Slot count (origin parameters, plus one for `...`).
    pub nslots: u32,
    /// Range in [`Funcs::slots`].
    pub map_start: u32,
    pub map_len: u32,
}

/// Per-walk origin state.
#[derive(Default)]
pub struct Funcs {
    by_root: FxMap<u32, u32>,
    starts: FxMap<u32, Start>,
    /// (parameter DIE offset, slot) of every start's chain.
    pub slots: Vec<(u32, u32)>,
}

/// Attributes of a subprogram-like DIE on a chain.
#[derive(Default)]
struct FuncAttrs {
    name: u32,
    linkage_name: u32,
    ty: u32,
    flags: u32,
    decl_file: u32,
    decl_line: u32,
    /// Next DIE of the chain and whether it is a specification link.
    next: u32,
    next_is_spec: bool,
}

/// One formal parameter child.
struct ParamInfo {
    off: u32,
    name: u32,
    ty: u32,
    origin: u32,
    unspecified: bool,
}

fn flag(v: &AttributeValue<R>) -> bool {
    matches!(v, AttributeValue::Flag(true))
}

/// Reads the attributes of the DIE at global offset `off`.
#[inline(never)] // a small DIE loop tiers up sooner (lib.rs: "Code size")
fn read_func(ctx: &mut Ctx, off: u32) -> Res<FuncAttrs> {
    let (ui, unit, uoff) = ctx.locate(off)?;
    let entry = unit.entry(uoff)?;
    let mut fa = FuncAttrs { ty: NONE, next: NONE, ..Default::default() };
    let mut origin = NONE;
    let mut spec = NONE;
    let mut attrs = entry.attrs();
    while let Some(a) = attrs.next()? {
        let v = a.value();
        match a.name() {
            constants::DW_AT_name => fa.name = ctx.attr_str(&unit, v),
            constants::DW_AT_linkage_name | constants::DW_AT_MIPS_linkage_name => {
                fa.linkage_name = ctx.attr_str(&unit, v)
            }
            constants::DW_AT_type => fa.ty = ctx.ref_off(&unit, &v),
            constants::DW_AT_external if flag(&v) => fa.flags |= FUNC_EXTERNAL,
            constants::DW_AT_declaration if flag(&v) => fa.flags |= FUNC_DECLARATION,
            constants::DW_AT_prototyped if flag(&v) => fa.flags |= FUNC_PROTOTYPED,
            constants::DW_AT_artificial if flag(&v) => fa.flags |= FUNC_ARTIFICIAL,
            constants::DW_AT_inline => {
                if let AttributeValue::Inline(i) = v {
                    if i == constants::DW_INL_declared_inlined || i == constants::DW_INL_declared_not_inlined {
                        fa.flags |= FUNC_DECLARED_INLINE;
                    }
                }
            }
            constants::DW_AT_decl_file => {
                if let AttributeValue::FileIndex(i) = v {
                    fa.decl_file = ctx.file_path(ui, &unit, i);
                }
            }
            constants::DW_AT_decl_line => fa.decl_line = v.udata_value().unwrap_or(0) as u32,
            constants::DW_AT_abstract_origin => origin = ctx.ref_off(&unit, &v),
            constants::DW_AT_specification => spec = ctx.ref_off(&unit, &v),
            _ => {}
        }
    }
    if origin != NONE {
        fa.next = origin;
    } else if spec != NONE {
        fa.next = spec;
        fa.next_is_spec = true;
    }
    Ok(fa)
}

/// The formal parameters (and `...`) directly under the DIE at `off`.
#[inline(never)] // a small DIE loop tiers up sooner (lib.rs: "Code size")
fn read_params(ctx: &mut Ctx, off: u32) -> Res<Vec<ParamInfo>> {
    let (_, unit, uoff) = ctx.locate(off)?;
    let base = unit.base;
    let mut params = Vec::new();
    let mut raw = unit.entries_raw(Some(uoff))?;
    let ab = match raw.read_abbreviation()? {
        Some(a) => a,
        None => return Ok(params),
    };
    raw.skip_attributes(ab.attributes())?;
    if !ab.has_children() {
        return Ok(params);
    }
    while !raw.is_empty() && raw.next_depth() > 0 {
        let depth = raw.next_depth();
        let poff = base + raw.next_offset().0 as u32;
        let ab = match raw.read_abbreviation()? {
            Some(a) => a,
            None => continue,
        };
        let tag = ab.tag();
        if depth == 1 && tag == constants::DW_TAG_formal_parameter {
            let mut p = ParamInfo { off: poff, name: 0, ty: NONE, origin: NONE, unspecified: false };
            for spec in ab.attributes() {
                let a = raw.read_attribute(*spec)?;
                match a.name() {
                    constants::DW_AT_name => p.name = ctx.attr_str(&unit, a.value()),
                    constants::DW_AT_type => p.ty = ctx.ref_off(&unit, &a.value()),
                    constants::DW_AT_abstract_origin => p.origin = ctx.ref_off(&unit, &a.value()),
                    _ => {}
                }
            }
            params.push(p);
        } else if depth == 1 && tag == constants::DW_TAG_unspecified_parameters {
            raw.skip_attributes(ab.attributes())?;
            params.push(ParamInfo { off: NONE, name: 0, ty: NONE, origin: NONE, unspecified: true });
        } else {
            raw.skip_attributes(ab.attributes())?;
        }
    }
    Ok(params)
}

impl Funcs {
    /// Forgets everything (start of a walk).
    pub fn clear(&mut self) {
        self.by_root.clear();
        self.starts.clear();
        self.slots.clear();
    }

    /// FuncTable row and slot map of start DIE `start`.
    #[inline(never)] // a small DIE loop tiers up sooner (lib.rs: "Code size")
    pub fn resolve(&mut self, ctx: &mut Ctx, out: &mut Out, start: u32) -> Res<Start> {
        if let Some(s) = self.starts.get(&start) {
            return Ok(*s);
        }
        let saved = ctx.here;
        let mut chain: Vec<(u32, FuncAttrs)> = Vec::with_capacity(2);
        let mut cur = start;
        while cur != NONE && chain.len() < MAX_CHAIN && !chain.iter().any(|(o, _)| *o == cur) {
            let fa = read_func(ctx, cur)?;
            let next = fa.next;
            chain.push((cur, fa));
            cur = next;
        }
        ctx.here = saved;
        let root = match chain.last() {
            Some((o, _)) => *o,
            None => return Err(Fail::Msg("empty origin chain")),
        };
        let root_params = read_params(ctx, root)?;
        let nslots = root_params.len() as u32;
        let func = match self.by_root.get(&root) {
            Some(&f) => f,
            None => {
                let f = push_func(out, &chain, &root_params);
                self.by_root.insert(root, f);
                f
            }
        };
        // Slot map: root parameters first, then each chain DIE toward the start.
        let map_start = self.slots.len();
        for (i, p) in root_params.iter().enumerate() {
            if !p.unspecified {
                self.slots.push((p.off, i as u32));
            }
        }
        let fresh = func as usize == out.func_die.len() - 1 && out.func_die[func as usize] == root;
        for k in (0..chain.len().saturating_sub(1)).rev() {
            let by_position = chain[k].1.next_is_spec;
            let params = read_params(ctx, chain[k].0)?;
            for (j, p) in params.iter().enumerate() {
                if p.unspecified {
                    continue;
                }
                let mut slot = None;
                if p.origin != NONE {
                    slot = self.slots[map_start..].iter().find(|(o, _)| *o == p.origin).map(|(_, s)| *s);
                } else if by_position && (j as u32) < nslots {
                    slot = Some(j as u32);
                }
                if let Some(s) = slot {
                    self.slots.push((p.off, s));
                    // A declaration without names: take them from the definition.
                    if fresh {
                        let row = out.func_param_start[func as usize] as usize + s as usize;
                        if row < out.param_name.len() {
                            if out.param_name[row] == 0 {
                                out.param_name[row] = p.name;
                            }
                            if out.param_type[row] == NONE {
                                out.param_type[row] = p.ty;
                            }
                        }
                    }
                }
            }
        }
        let s = Start {
            func,
            nslots,
            map_start: map_start as u32,
            map_len: (self.slots.len() - map_start) as u32,
        };
        self.starts.insert(start, s);
        Ok(s)
    }

    /// Slot of instance parameter `origin` (its DW_AT_abstract_origin, or its
    /// own offset when it has none), following parameter chains when the
    /// direct target is not on the map.
    #[inline(never)] // a small DIE loop tiers up sooner (lib.rs: "Code size")
    pub fn slot_of(&self, ctx: &mut Ctx, out: &Out, s: &Start, origin: u32) -> Res<Option<u32>> {
        let map = &self.slots[s.map_start as usize..(s.map_start + s.map_len) as usize];
        let mut cur = origin;
        for _ in 0..MAX_CHAIN {
            if let Some((_, slot)) = map.iter().find(|(o, _)| *o == cur) {
                return Ok(Some(*slot));
            }
            let (_, unit, uoff) = match ctx.locate(cur) {
                Ok(x) => x,
                Err(_) => return Ok(None),
            };
            let next = param_origin(ctx, &unit, uoff)?;
            if next == NONE || next == cur {
                return slot_by_name(ctx, out, s, &unit, uoff);
            }
            cur = next;
        }
        Ok(None)
    }
}

/// The end of a parameter chain that is none of the start's parameters.
/// gcc -flto gives an inlined instance's parameter, as its origin, the
/// parameter of another unit's abstract copy of the same function (two
/// `memset`s from one header, the site's DW_AT_abstract_origin one of them,
/// its parameters' the other). Then the parameter is the root's parameter
/// of the same name, when it is a named DW_TAG_formal_parameter and exactly
/// one root parameter has that name; none otherwise.
fn slot_by_name(ctx: &mut Ctx, out: &Out, s: &Start, unit: &XUnit, uoff: UnitOffset<usize>) -> Res<Option<u32>> {
    let e = unit.entry(uoff)?;
    if e.tag() != constants::DW_TAG_formal_parameter {
        return Ok(None);
    }
    let name = match e.attr_value(constants::DW_AT_name)? {
        Some(v) => ctx.attr_str(unit, v),
        None => 0,
    };
    if name == 0 {
        return Ok(None);
    }
    let first = match out.func_param_start.get(s.func as usize) {
        Some(&f) => f as usize,
        None => return Ok(None),
    };
    let mut found = None;
    for slot in 0..s.nslots as usize {
        if out.param_name.get(first + slot) == Some(&name) {
            if found.is_some() {
                return Ok(None);
            }
            found = Some(slot as u32);
        }
    }
    Ok(found)
}

fn param_origin(ctx: &Ctx, unit: &XUnit, uoff: UnitOffset<usize>) -> Res<u32> {
    let e = unit.entry(uoff)?;
    Ok(match e.attr_value(constants::DW_AT_abstract_origin)? {
        Some(v) => ctx.ref_off(unit, &v),
        None => NONE,
    })
}

/// Pushes the FuncTable row of a chain's root and its ParamTable rows.
fn push_func(out: &mut Out, chain: &[(u32, FuncAttrs)], params: &[ParamInfo]) -> u32 {
    let (root, ra) = match chain.last() {
        Some(x) => x,
        None => return NONE,
    };
    let mut name = ra.name;
    let mut linkage = ra.linkage_name;
    let mut ty = ra.ty;
    let mut decl_file = ra.decl_file;
    let mut decl_line = ra.decl_line;
    let mut flags = ra.flags;
    for (_, fa) in chain.iter().rev().skip(1) {
        if name == 0 {
            name = fa.name;
        }
        if linkage == 0 {
            linkage = fa.linkage_name;
        }
        if ty == NONE {
            ty = fa.ty;
        }
        if decl_file == 0 {
            decl_file = fa.decl_file;
            decl_line = fa.decl_line;
        }
        flags |= fa.flags & (FUNC_EXTERNAL | FUNC_DECLARED_INLINE | FUNC_PROTOTYPED);
    }
    if params.iter().any(|p| p.unspecified) {
        flags |= FUNC_VARIADIC;
    }
    let row = out.func_die.len() as u32;
    out.func_die.push(*root);
    out.func_name.push(name);
    out.func_linkage_name.push(linkage);
    out.func_type.push(ty);
    out.func_flags.push(flags);
    out.func_decl_file.push(decl_file);
    out.func_decl_line.push(decl_line);
    out.func_param_start.push(out.param_die.len() as u32);
    out.func_param_count.push(params.len() as u32);
    for p in params {
        out.param_die.push(p.off);
        out.param_name.push(p.name);
        out.param_type.push(p.ty);
    }
    row
}
