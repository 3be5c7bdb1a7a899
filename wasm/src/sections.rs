//! Section memory, the gimli `Dwarf`, and the unit index.
//!
//! TS allocates one buffer per debug section inside wasm memory (`alloc`),
//! the ELF reader writes the bytes straight into it, then `set_section`
//! records (pointer, length). The buffers live until the instance is dropped,
//! which is why the slices are `'static`.

use gimli::{
    AttributeValue, DebugInfoOffset, Dwarf, EndianSlice, RunTimeEndian, SectionId, Unit,
    UnitHeader, UnitOffset, UnitSectionOffset,
};
use std::rc::Rc;

use crate::strings::{FxMap, Interner};

/// The reader every gimli structure uses.
pub type R = EndianSlice<'static, RunTimeEndian>;

/// The sections read, the one list of them: `set_section` takes gimli's
/// own `SectionId` as the id (`id as u32`), and `section_names()` gives the
/// TS side `id:name,` for each entry, so neither side numbers them by hand.
pub const READ: [SectionId; 12] = [
    SectionId::DebugAbbrev,
    SectionId::DebugAddr,
    SectionId::DebugInfo,
    SectionId::DebugLine,
    SectionId::DebugLineStr,
    SectionId::DebugLoc,
    SectionId::DebugLocLists,
    SectionId::DebugRanges,
    SectionId::DebugRngLists,
    SectionId::DebugStr,
    SectionId::DebugStrOffsets,
    SectionId::DebugTypes,
];

/// Slots of the section table: one per `SectionId` (`DebugTypes` is the last).
pub const NSECTIONS: usize = SectionId::DebugTypes as usize + 1;

/// (pointer, length) of each section, indexed by `SectionId as usize`.
pub type Raw = [(u32, u32); NSECTIONS];

/// The `SectionId` of a `set_section` id, if it is one of [`READ`].
pub fn read_id(id: u32) -> Option<SectionId> {
    READ.iter().copied().find(|s| *s as u32 == id)
}

/// An error as the `error()` export reports it: section, offset, message.
pub type Report = (String, u64, String);

/// Failure inside the walk: a gimli error or one of ours.
#[derive(Debug)]
pub enum Fail {
    Gimli(gimli::Error),
    Msg(&'static str),
}

impl From<gimli::Error> for Fail {
    fn from(e: gimli::Error) -> Self {
        Fail::Gimli(e)
    }
}

/// Result of every fallible step.
pub type Res<T> = Result<T, Fail>;

/// Where the walk is, reported with an error when gimli cannot say.
#[derive(Clone, Copy)]
pub struct Here {
    pub section: &'static str,
    pub offset: u64,
}

/// Everything that lives as long as the instance.
pub struct Ctx {
    pub dwarf: Dwarf<R>,
    pub little_endian: bool,
    /// `.debug_info` unit headers, in section order.
    pub headers: Vec<UnitHeader<R>>,
    /// Offset of each header (sorted, for lookup by DIE offset).
    pub unit_offsets: Vec<u32>,
    /// End offset (exclusive) of each unit.
    pub unit_ends: Vec<u32>,
    units: Vec<Option<Rc<Unit<R>>>>,
    pub strings: Interner,
    /// (unit index << 32 | file index) -> StrId of the resolved path.
    pub file_paths: FxMap<u64, u32>,
    /// `.debug_str` offset -> StrId.
    pub strp_ids: FxMap<u32, u32>,
    pub here: Here,
    /// Raw `.debug_loc` / `.debug_loclists` (loc.rs reads location views
    /// and DW_LLE_GNU_view_pair entries, which gimli does not parse).
    pub debug_loc: R,
    pub debug_loclists: R,
}

fn section_slice(raw: &Raw, id: SectionId, endian: RunTimeEndian) -> R {
    let (ptr, len) = raw[id as usize];
    if ptr == 0 || len == 0 {
        return EndianSlice::new(&[], endian);
    }
    // SAFETY: TS allocated `len` bytes at `ptr` with `alloc` and never frees
    // them while this instance is alive.
    let s: &'static [u8] = unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len as usize) };
    EndianSlice::new(s, endian)
}

impl Ctx {
    /// Builds the `Dwarf` over the registered sections and indexes the units.
    /// A failure is reported where it happened (the unit header gimli could
    /// not read, or the offset its error names).
    pub fn new(raw: &Raw, little_endian: bool) -> Result<Ctx, Report> {
        let endian = if little_endian { RunTimeEndian::Little } else { RunTimeEndian::Big };
        // Sections outside READ were never registered: their slots are empty.
        let load = |id: SectionId| -> Result<R, ()> { Ok(section_slice(raw, id, endian)) };
        let dwarf = match Dwarf::load(load) {
            Ok(d) => d,
            Err(()) => return Err((".debug_info".to_string(), 0, "cannot load sections".to_string())),
        };
        let mut ctx = Ctx {
            dwarf,
            little_endian,
            headers: Vec::new(),
            unit_offsets: Vec::new(),
            unit_ends: Vec::new(),
            units: Vec::new(),
            strings: Interner::new(),
            file_paths: FxMap::default(),
            strp_ids: FxMap::default(),
            here: Here { section: ".debug_info", offset: 0 },
            debug_loc: section_slice(raw, SectionId::DebugLoc, endian),
            debug_loclists: section_slice(raw, SectionId::DebugLocLists, endian),
        };
        let mut iter = ctx.dwarf.units();
        loop {
            let h = match iter.next() {
                Ok(Some(h)) => h,
                Ok(None) => break,
                Err(e) => {
                    // The header that failed starts where the last good unit ends.
                    ctx.here.offset = ctx.unit_ends.last().copied().unwrap_or(0) as u64;
                    return Err(ctx.describe(&e.into()));
                }
            };
            let off = match h.offset() {
                UnitSectionOffset::DebugInfoOffset(o) => o.0 as u32,
                UnitSectionOffset::DebugTypesOffset(o) => o.0 as u32,
            };
            ctx.here.offset = off as u64;
            ctx.unit_offsets.push(off);
            ctx.unit_ends.push(off.wrapping_add(h.length_including_self() as u32));
            ctx.headers.push(h);
            ctx.units.push(None);
        }
        Ok(ctx)
    }

    /// The parsed unit (abbreviations, line program header), built once.
    pub fn unit(&mut self, idx: usize) -> Res<Rc<Unit<R>>> {
        if let Some(Some(u)) = self.units.get(idx) {
            return Ok(u.clone());
        }
        let h = match self.headers.get(idx) {
            Some(h) => *h,
            None => return Err(Fail::Msg("unit index out of range")),
        };
        let saved = self.here;
        // Abbreviations first (gimli caches them for `unit`): an error in
        // them is reported at the unit's table in .debug_abbrev.
        self.here = Here { section: ".debug_abbrev", offset: h.debug_abbrev_offset().0 as u64 };
        self.dwarf.abbreviations(&h)?;
        self.here = Here { section: ".debug_info", offset: self.unit_offsets[idx] as u64 };
        let u = Rc::new(self.dwarf.unit(h)?);
        self.here = saved;
        self.units[idx] = Some(u.clone());
        Ok(u)
    }

    /// Index of the unit holding `.debug_info` offset `off`.
    pub fn unit_index_of(&self, off: u32) -> Option<usize> {
        let i = match self.unit_offsets.binary_search(&off) {
            Ok(i) => i,
            Err(0) => return None,
            Err(i) => i - 1,
        };
        if off < self.unit_ends[i] {
            Some(i)
        } else {
            None
        }
    }

    /// Unit index and unit-relative offset of a global DIE offset.
    pub fn locate(&mut self, off: u32) -> Res<(usize, Rc<Unit<R>>, UnitOffset<usize>)> {
        let i = match self.unit_index_of(off) {
            Some(i) => i,
            None => {
                self.here = Here { section: ".debug_info", offset: off as u64 };
                return Err(Fail::Msg("DIE reference outside every unit"));
            }
        };
        let u = self.unit(i)?;
        let uoff = (off - self.unit_offsets[i]) as usize;
        if uoff < u.header.header_size() {
            self.here = Here { section: ".debug_info", offset: off as u64 };
            return Err(Fail::Msg("DIE reference into a unit header"));
        }
        Ok((i, u, UnitOffset(uoff)))
    }

    /// Interns the string an attribute names (any string form).
    pub fn attr_str(&mut self, unit: &Unit<R>, v: AttributeValue<R>) -> u32 {
        // Most names are DW_FORM_strp: key the interner by section offset
        // first, which skips strlen, hashing and comparing the bytes.
        if let AttributeValue::DebugStrRef(o) = v {
            let key = o.0 as u32;
            if let Some(&id) = self.strp_ids.get(&key) {
                return id;
            }
            let id = match self.dwarf.string(o) {
                Ok(s) => self.strings.intern(s.slice()),
                Err(_) => 0,
            };
            self.strp_ids.insert(key, id);
            return id;
        }
        match self.dwarf.attr_string(unit, v) {
            Ok(s) => self.strings.intern(s.slice()),
            Err(_) => 0,
        }
    }

    /// Path of file `index` of unit `ui`'s line table, interned and cached.
    /// Relative directories are joined to DW_AT_comp_dir as llvm-dwarfdump
    /// prints them (its "absolute file path" mode).
    pub fn file_path(&mut self, ui: usize, unit: &Unit<R>, index: u64) -> u32 {
        let key = ((ui as u64) << 32) | (index & 0xffff_ffff);
        if let Some(&id) = self.file_paths.get(&key) {
            return id;
        }
        let id = self.build_file_path(unit, index);
        self.file_paths.insert(key, id);
        id
    }

    fn build_file_path(&mut self, unit: &Unit<R>, index: u64) -> u32 {
        let lp = match &unit.line_program {
            Some(lp) => lp,
            None => return 0,
        };
        let header = lp.header();
        let file = match header.file(index) {
            Some(f) => f,
            None => return 0,
        };
        let name = match self.dwarf.attr_string(unit, file.path_name()) {
            Ok(s) => s.slice(),
            Err(_) => return 0,
        };
        let mut path: Vec<u8> = Vec::new();
        if !name.starts_with(b"/") {
            let dir: &[u8] = match file.directory(header) {
                Some(d) => match self.dwarf.attr_string(unit, d) {
                    Ok(s) => s.slice(),
                    Err(_) => &[],
                },
                None => &[],
            };
            if !dir.starts_with(b"/") {
                if let Some(cd) = &unit.comp_dir {
                    let cd = cd.slice();
                    if !cd.is_empty() && cd != dir {
                        path.extend_from_slice(cd);
                        if !cd.ends_with(b"/") {
                            path.push(b'/');
                        }
                    }
                }
            }
            if !dir.is_empty() {
                path.extend_from_slice(dir);
                if !dir.ends_with(b"/") {
                    path.push(b'/');
                }
            }
        }
        path.extend_from_slice(name);
        self.strings.intern(&path)
    }

    /// Global `.debug_info` offset of a reference attribute (NONE otherwise).
    pub fn ref_off(unit: &Unit<R>, v: &AttributeValue<R>) -> u32 {
        match *v {
            AttributeValue::UnitRef(o) => match unit.header.offset() {
                UnitSectionOffset::DebugInfoOffset(DebugInfoOffset(b)) => (b + o.0) as u32,
                UnitSectionOffset::DebugTypesOffset(_) => NONE,
            },
            AttributeValue::DebugInfoRef(DebugInfoOffset(o)) => o as u32,
            _ => NONE,
        }
    }

    /// Unit header offset of unit `unit` as a global offset base.
    pub fn unit_base(unit: &Unit<R>) -> u32 {
        match unit.header.offset() {
            UnitSectionOffset::DebugInfoOffset(DebugInfoOffset(b)) => b as u32,
            UnitSectionOffset::DebugTypesOffset(_) => 0,
        }
    }

    /// Turns a failure into (section, offset, message).
    pub fn describe(&self, f: &Fail) -> Report {
        match f {
            Fail::Msg(m) => (self.here.section.to_string(), self.here.offset, m.to_string()),
            Fail::Gimli(e) => {
                if let gimli::Error::UnexpectedEof(id) = e {
                    if let Some((_, sec, off)) = self.dwarf.lookup_offset_id(*id) {
                        return (sec.name().to_string(), off as u64, format!("{}", e));
                    }
                }
                (self.here.section.to_string(), self.here.offset, format!("{}", e))
            }
        }
    }
}

pub use crate::consts::NONE;
