//! btfgen's DWARF reader, compiled to wasm32 and driven from `src/dwarf/`.
//!
//! ABI (plain `extern "C"`, no wasm-bindgen):
//! 1. `alloc_bytes(len)` per debug section; TS writes the bytes there, then
//!    `set_section(id, ptr, len)`: ids are gimli's `SectionId`s, listed with
//!    their names by `section_names()` (`id:name,`, from [`sections::READ`]).
//!    A supplementary file's sections (dwz: `.gnu_debugaltlink`, DWARF 5
//!    `.debug_sup`) go to `set_sup_section(id, ptr, len)`.
//! 2. `init(little_endian)` builds the gimli `Dwarf` and the unit index;
//!    `unit_count()` tells how many `.debug_info` units the input has.
//! 3. `walk(from, to, flags)` over unit indices `[from, to)`; flags
//!    `WALK_SITES` (1, also when 0) and/or `WALK_TYPES` (2).
//! 4. `result()` points at `2 * n` u32: (pointer, element count) per column
//!    named in `column_names()` (`table.field:type,` list), the last column
//!    being the whole string blob.
//! Every export returning a status gives 0 for success, 1 for an error whose
//! text, section and offset `error()` describes. Nothing panics on bad
//! input: gimli reports errors and every index here is checked.
//!
//! Code size: V8 runs a wasm function in its baseline compiler until the
//! function has run enough to be recompiled optimised, which happens per
//! function, in the background, and takes longer the bigger the function
//! (there is no switch in the middle of a running call). With everything
//! inlined into it, `walk` was 38 KB of code; the per-tag readers of the
//! DIE loops are kept out of line (`#[inline(never)]`), which took the
//! vmlinux site walk from 1.95 s to 1.25 s.

#[cfg(target_arch = "wasm32")]
mod alloc;
mod addr;
mod callsites;
mod columns;
mod consts;
mod expr;
mod funcs;
mod loc;
mod sections;
mod sites;
mod strings;
mod types;

use std::alloc::{alloc, dealloc as free, Layout};

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static GLOBAL: alloc::WasmAlloc = alloc::WasmAlloc;

use columns::Out;
use funcs::Funcs;
use columns::Table;
use sections::{Ctx, Raw, NSECTIONS, READ};

/// Walk flag: inline and out-of-line sites with their funcs/params/locs.
pub const WALK_SITES: u32 = 1;
/// Walk flag: the type DIE table.
pub const WALK_TYPES: u32 = 2;

struct State {
    raw: Raw,
    sup: Raw,
    ctx: Option<Ctx>,
    out: Out,
    funcs: Funcs,
    /// The demand walk in progress (`demand_types`).
    demand: types::Demand,
    descriptor: Vec<u32>,
    section_list: String,
    /// msg ptr, msg len, section ptr, section len, offset lo, offset hi,
    /// kind (0: malformed input, 1: unsupported input).
    error: Vec<u32>,
    error_msg: String,
    error_section: String,
}

static mut STATE: Option<State> = None;

fn state() -> &'static mut State {
    // SAFETY: wasm32-unknown-unknown is single threaded and no export
    // re-enters another.
    unsafe {
        if STATE.is_none() {
            STATE = Some(State {
                raw: [(0, 0); NSECTIONS],
                sup: [(0, 0); NSECTIONS],
                ctx: None,
                out: Out::default(),
                funcs: Funcs::default(),
                demand: types::Demand::default(),
                descriptor: Vec::new(),
                section_list: READ.iter().map(|s| format!("{}:{},", *s as u32, s.name())).collect(),
                error: vec![0; 7],
                error_msg: String::new(),
                error_section: String::new(),
            });
        }
        match STATE.as_mut() {
            Some(s) => s,
            None => std::process::abort(),
        }
    }
}

fn set_error(st: &mut State, section: String, offset: u64, msg: String) -> u32 {
    set_error_kind(st, section, offset, msg, 0)
}

/// A walk's failure as `set_error_kind` takes it (kind 1: unsupported input).
fn failure(ctx: &Ctx, f: &sections::Fail) -> (String, u64, String, u32) {
    let kind = if let sections::Fail::Unsupported(_) = f { 1 } else { 0 };
    let (sec, off, msg) = ctx.describe(f);
    (sec, off, msg, kind)
}

fn set_error_kind(st: &mut State, section: String, offset: u64, msg: String, kind: u32) -> u32 {
    st.error_msg = msg;
    st.error_section = section;
    st.error = vec![
        st.error_msg.as_ptr() as usize as u32,
        st.error_msg.len() as u32,
        st.error_section.as_ptr() as usize as u32,
        st.error_section.len() as u32,
        offset as u32,
        (offset >> 32) as u32,
        kind,
    ];
    1
}

/// Allocates `len` bytes (8-aligned); 0 when memory cannot grow.
#[no_mangle]
pub extern "C" fn alloc_bytes(len: u32) -> u32 {
    let layout = match Layout::from_size_align(len.max(1) as usize, 8) {
        Ok(l) => l,
        Err(_) => return 0,
    };
    // SAFETY: layout has non-zero size.
    unsafe { alloc(layout) as usize as u32 }
}

/// Frees a block from `alloc_bytes` (same `len`).
#[no_mangle]
pub extern "C" fn free_bytes(ptr: u32, len: u32) {
    if ptr == 0 {
        return;
    }
    if let Ok(layout) = Layout::from_size_align(len.max(1) as usize, 8) {
        // SAFETY: ptr came from alloc_bytes with this layout.
        unsafe { free(ptr as usize as *mut u8, layout) }
    }
}

/// Registers section `id` at (`ptr`, `len`); call before `init`.
#[no_mangle]
pub extern "C" fn set_section(id: u32, ptr: u32, len: u32) -> u32 {
    register(id, ptr, len, false)
}

/// Registers section `id` of the supplementary file; call before `init`.
#[no_mangle]
pub extern "C" fn set_sup_section(id: u32, ptr: u32, len: u32) -> u32 {
    register(id, ptr, len, true)
}

fn register(id: u32, ptr: u32, len: u32, sup: bool) -> u32 {
    let st = state();
    match sections::read_id(id) {
        Some(s) => {
            let table = if sup { &mut st.sup } else { &mut st.raw };
            table[s as usize] = (ptr, len);
            0
        }
        None => set_error(st, String::new(), 0, format!("unknown section id {}", id)),
    }
}

/// Builds the `Dwarf` over the registered sections and indexes the units.
#[no_mangle]
pub extern "C" fn init(little_endian: u32) -> u32 {
    let st = state();
    match Ctx::new(&st.raw, &st.sup, little_endian != 0) {
        Ok(c) => {
            st.ctx = Some(c);
            0
        }
        Err((sec, off, msg)) => set_error(st, sec, off, msg),
    }
}

/// After `init`: `.debug_info` was registered with only its unit headers
/// filled; the rest of each unit is asked of the host's `btfgen.fill_info`
/// when first used (`Ctx::lazy_info`).
#[no_mangle]
pub extern "C" fn lazy_info() -> u32 {
    let st = state();
    match st.ctx.as_mut() {
        Some(c) => {
            c.lazy_info();
            0
        }
        None => set_error(st, String::new(), 0, "lazy_info before init".to_string()),
    }
}

/// After `init`: `.debug_line` was registered unfilled; each unit's line
/// program header is asked of the host's `btfgen.fill_section` before the
/// unit is parsed (`Ctx::lazy_line`).
#[no_mangle]
pub extern "C" fn lazy_line() -> u32 {
    let st = state();
    match st.ctx.as_mut() {
        Some(c) => {
            c.lazy_line();
            0
        }
        None => set_error(st, String::new(), 0, "lazy_line before init".to_string()),
    }
}

/// After `init`: `.debug_loclists` was registered unfilled; `n`
/// contributions as (start, end) u32 pairs at `ptr` are asked of the host's
/// `btfgen.fill_section` one at a time (`Ctx::lazy_loclists`).
#[no_mangle]
pub extern "C" fn lazy_loclists(ptr: u32, n: u32) -> u32 {
    let st = state();
    // SAFETY: TS wrote 2 * `n` u32s at `ptr` (an `alloc_bytes` block, 8-aligned).
    let words = unsafe { std::slice::from_raw_parts(ptr as usize as *const u32, 2 * n as usize) };
    let parts: Vec<(u32, u32)> = words.chunks_exact(2).map(|w| (w[0], w[1])).collect();
    match st.ctx.as_mut() {
        Some(c) => {
            c.lazy_loclists(&parts);
            0
        }
        None => set_error(st, String::new(), 0, "lazy_loclists before init".to_string()),
    }
}

/// Number of `.debug_info` units (0 before `init`).
#[no_mangle]
pub extern "C" fn unit_count() -> u32 {
    match &state().ctx {
        Some(c) => c.walkable as u32,
        None => 0,
    }
}

/// Walks units `[from, to)`; see the crate docs for flags.
#[no_mangle]
pub extern "C" fn walk(from: u32, to: u32, flags: u32) -> u32 {
    let st = state();
    let ctx = match st.ctx.as_mut() {
        Some(c) => c,
        None => return set_error(st, String::new(), 0, "walk before init".to_string()),
    };
    // The units of earlier walks (and the demand walks after them) are done with.
    ctx.evict_units();
    st.out.clear();
    st.funcs.clear();
    ctx.pending.clear();
    ctx.aliases.clear();
    ctx.int_dies.clear();
    let flags = if flags == 0 { WALK_SITES } else { flags };
    let to = (to as usize).min(ctx.walkable);
    reserve(ctx, &mut st.out, from as usize, to, flags);
    let mut res = Ok(());
    for ui in (from as usize)..to {
        res = walk_unit(ctx, &mut st.out, &mut st.funcs, ui, flags);
        if res.is_err() {
            break;
        }
    }
    if res.is_ok() && flags & WALK_TYPES != 0 {
        res = walk_dependencies(ctx, &mut st.out, from as usize, to);
        redirect_aliases(ctx, &mut st.out);
    }
    if let Err(f) = res {
        let (sec, off, msg, kind) = failure(ctx, &f);
        return set_error_kind(st, sec, off, msg, kind);
    }
    st.descriptor.clear();
    st.out.describe(&ctx.strings.blob, &mut st.descriptor);
    0
}

/// A demand walk (`types::walk_demand`): the type DIEs reachable from the
/// `n` global DIE offsets (u32) at `ptr`. With `fresh`, a new table starts,
/// holding first the unit-level `int` DIEs the last `walk` saw; without, the
/// rows are added to the table of the previous call (the caller asks for the
/// member types of the aggregates it could not take from its base). The
/// result is read as after `walk`; only the units and dies tables are filled.
#[no_mangle]
pub extern "C" fn demand_types(ptr: u32, n: u32, fresh: u32) -> u32 {
    let st = state();
    let ctx = match st.ctx.as_mut() {
        Some(c) => c,
        None => return set_error(st, String::new(), 0, "demand_types before init".to_string()),
    };
    // SAFETY: TS wrote `n` u32s at `ptr` (an `alloc_bytes` block, 8-aligned).
    let roots: Vec<u32> = unsafe { std::slice::from_raw_parts(ptr as usize as *const u32, n as usize) }.to_vec();
    let mut res = Ok(());
    if fresh != 0 {
        st.out.clear();
        st.funcs.clear();
        ctx.aliases.clear();
        st.demand = types::Demand::default();
        let ints = std::mem::take(&mut ctx.int_dies);
        res = types::walk_demand(ctx, &mut st.out, &mut st.demand, &ints);
        ctx.int_dies = ints;
    }
    if res.is_ok() {
        res = types::walk_demand(ctx, &mut st.out, &mut st.demand, &roots);
    }
    ctx.pending.clear();
    if let Err(f) = res {
        let (sec, off, msg, kind) = failure(ctx, &f);
        return set_error_kind(st, sec, off, msg, kind);
    }
    redirect_aliases(ctx, &mut st.out);
    st.descriptor.clear();
    st.out.describe(&ctx.strings.blob, &mut st.descriptor);
    0
}

/// Reserves column capacity from the size of the units walked: growing
/// a dozen interleaved vectors by doubling copies each several times (the
/// allocator can extend only the topmost block in place). Ratios measured on
/// the Debian vmlinux (bytes of .debug_info per row, rounded down); unused
/// capacity is never touched, so it costs address space, not RSS.
fn reserve(ctx: &Ctx, out: &mut Out, from: usize, to: usize, flags: u32) {
    if from >= to {
        return;
    }
    let bytes = (ctx.unit_ends[to - 1] as usize).saturating_sub(ctx.unit_offsets[from] as usize);
    if flags & WALK_SITES != 0 {
        out.reserve(Table::sites, bytes / 400);
        out.reserve(Table::locs, bytes / 250);
        out.reserve(Table::blob, bytes / 250 * 3);
    }
    if flags & WALK_TYPES != 0 {
        out.reserve(Table::dies, bytes / 12);
    }
}

/// The types of the units the walked ones depend on (imported partial units,
/// type units, units of `.debug_types` and of the supplementary file; see
/// `Ctx::is_dependency`), each once per walk and after the walked units,
/// so a walk's type table holds every DIE its types refer to.
fn walk_dependencies(ctx: &mut Ctx, out: &mut Out, from: usize, to: usize) -> sections::Res<()> {
    let mut done = vec![false; ctx.headers.len()];
    for d in done.iter_mut().take(to).skip(from) {
        *d = true;
    }
    while let Some(ui) = ctx.pending.pop() {
        if ui >= done.len() || done[ui] {
            continue;
        }
        done[ui] = true;
        ctx.here = sections::Here { section: ".debug_info", offset: ctx.unit_offsets[ui] as u64 };
        let urow = sites::push_unit(ctx, out, ui)?;
        types::walk_types(ctx, out, ui, urow)?;
    }
    Ok(())
}

/// Points every type reference at a DW_AT_signature stand-in to the type
/// unit's type it stands for (see `types::walk_types`).
fn redirect_aliases(ctx: &Ctx, out: &mut Out) {
    if ctx.aliases.is_empty() {
        return;
    }
    let follow = |mut off: u32| {
        // A stand-in names a type unit's type, never another stand-in; the
        // bound only guards against corrupt input.
        for _ in 0..4 {
            match ctx.aliases.get(&off) {
                Some(&t) => off = t,
                None => break,
            }
        }
        off
    };
    for col in [&mut out.die_type, &mut out.die_origin, &mut out.func_type, &mut out.param_type] {
        for v in col.iter_mut() {
            *v = follow(*v);
        }
    }
}

fn walk_unit(ctx: &mut Ctx, out: &mut Out, funcs: &mut Funcs, ui: usize, flags: u32) -> sections::Res<()> {
    ctx.here = sections::Here { section: ".debug_info", offset: ctx.unit_offsets[ui] as u64 };
    let urow = sites::push_unit(ctx, out, ui)?;
    if flags & WALK_SITES != 0 {
        sites::walk_sites(ctx, out, funcs, ui, urow)?;
    }
    if flags & WALK_TYPES != 0 {
        types::walk_types(ctx, out, ui, urow)?;
    }
    Ok(())
}

/// Pointer to the column descriptor of the last successful walk.
#[no_mangle]
pub extern "C" fn result() -> u32 {
    state().descriptor.as_ptr() as usize as u32
}

/// Pointer to the column list ([`Out::NAMES`], `table.field:type,`).
#[no_mangle]
pub extern "C" fn column_names() -> u32 {
    Out::NAMES.as_ptr() as usize as u32
}

/// Length of the column list.
#[no_mangle]
pub extern "C" fn column_names_len() -> u32 {
    Out::NAMES.len() as u32
}

/// Pointer to the section list (`id:name,` per section read).
#[no_mangle]
pub extern "C" fn section_names() -> u32 {
    state().section_list.as_ptr() as usize as u32
}

/// Length of the section list.
#[no_mangle]
pub extern "C" fn section_names_len() -> u32 {
    state().section_list.len() as u32
}

/// Drops everything the instance holds for the file it read (the Dwarf,
/// unit caches, strings, columns, and the section buffers `set_section`
/// registered, which came from `alloc_bytes`), so one instance can read the
/// next file of a batch in the memory it already has instead of a new
/// instance growing its own (V8 counts each new wasm memory as external
/// memory and runs a full GC for it).
#[no_mangle]
pub extern "C" fn reset() {
    // SAFETY: single threaded; nothing borrows STATE across exports.
    let old = unsafe { (*core::ptr::addr_of_mut!(STATE)).take() };
    if let Some(st) = old {
        let buffers: Vec<(u32, u32)> = st.raw.iter().chain(st.sup.iter()).copied().filter(|&(p, _)| p != 0).collect();
        // The Dwarf borrows the buffers: drop it first.
        drop(st);
        for (ptr, len) in buffers {
            free_bytes(ptr, len);
        }
    }
}

/// Pointer to the error descriptor (see `State::error`).
#[no_mangle]
pub extern "C" fn error() -> u32 {
    state().error.as_ptr() as usize as u32
}


/// Interns `len` bytes at `ptr` (written by TS into an `alloc_bytes` block)
/// into the instance's string table; NONE before `init`.
#[no_mangle]
pub extern "C" fn intern_bytes(ptr: u32, len: u32) -> u32 {
    let st = state();
    match st.ctx.as_mut() {
        Some(c) => {
            // SAFETY: TS wrote `len` bytes at `ptr` inside wasm memory.
            let s = unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len as usize) };
            c.strings.intern(s)
        }
        None => sections::NONE,
    }
}

/// Pointer to the whole string blob (valid until the next call).
#[no_mangle]
pub extern "C" fn strings_ptr() -> u32 {
    match &state().ctx {
        Some(c) => c.strings.blob.as_ptr() as usize as u32,
        None => 0,
    }
}

/// Length of the whole string blob.
#[no_mangle]
pub extern "C" fn strings_len() -> u32 {
    match &state().ctx {
        Some(c) => c.strings.blob.len() as u32,
        None => 0,
    }
}
