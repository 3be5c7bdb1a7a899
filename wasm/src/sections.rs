//! Section memory, the gimli `Dwarf`, and the unit index.
//!
//! TS allocates one buffer per debug section inside wasm memory (`alloc`),
//! the ELF reader writes the bytes straight into it, then `set_section`
//! records (pointer, length). The buffers live until the instance is dropped,
//! which is why the slices are `'static`. The one exception: a lazily read
//! `.debug_info` ([`Ctx::lazy_info`]) keeps only its unit headers in its
//! buffer; each unit's bytes go to a [`UnitArena`] chunk when first used and
//! stay there until the next walk starts ([`Ctx::evict_units`]), when no
//! parsed unit refers to them any more.

use gimli::{
    Abbreviation, AttributeValue, DebugInfoOffset, DebugTypeSignature, Dwarf, EndianSlice, EntriesRaw, RunTimeEndian,
    SectionId, Unit, UnitHeader, UnitOffset, UnitSectionOffset, UnitType,
};
use std::ops::Deref;
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
    /// Valid input btfgen does not read (split DWARF): `error()` kind 1.
    Unsupported(String),
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

/// Where a unit's bytes are. DIE offsets are global numbers over all of
/// them: the input's `.debug_info` from 0, its `.debug_types` after that,
/// then the supplementary (dwz, `.gnu_debugaltlink` / `.debug_sup`) file's
/// `.debug_info` (see [`Ctx::types_base`], [`Ctx::sup_base`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Info,
    Types,
    Sup,
}

/// A parsed unit with where it is: its header's global offset and place.
pub struct XUnit {
    pub unit: Unit<R>,
    /// Global offset of the unit header (the base of DW_FORM_ref*).
    pub base: u32,
    /// Global offset just past the unit.
    pub end: u32,
    pub place: Place,
}

impl Deref for XUnit {
    type Target = Unit<R>;
    fn deref(&self) -> &Unit<R> {
        &self.unit
    }
}

/// Everything that lives as long as the instance.
pub struct Ctx {
    /// The input's DWARF, with the supplementary file as its `sup()`.
    pub dwarf: Dwarf<R>,
    pub little_endian: bool,
    /// Unit headers: the input's `.debug_info` units in section order (the
    /// first [`Ctx::walkable`], the ones `walk` takes by index), then
    /// `.debug_types` units, then the supplementary file's units.
    pub headers: Vec<UnitHeader<R>>,
    places: Vec<Place>,
    /// Number of the input's `.debug_info` units.
    pub walkable: usize,
    /// Global offset of each header (sorted, for lookup by DIE offset).
    pub unit_offsets: Vec<u32>,
    /// End offset (exclusive) of each unit.
    pub unit_ends: Vec<u32>,
    units: Vec<Option<Rc<XUnit>>>,
    /// Global offset where `.debug_types` units start.
    pub types_base: u32,
    /// Global offset where the supplementary file's `.debug_info` starts.
    pub sup_base: u32,
    /// Type signature (DW_FORM_ref_sig8) -> global offset of the type DIE.
    signatures: FxMap<u64, u32>,
    /// Per unit: whether it is a partial unit (DW_TAG_partial_unit root), once known.
    partial: Vec<Option<bool>>,
    /// Units the current walk depends on (see [`Ctx::note_ref`]).
    pub pending: Vec<usize>,
    /// DIEs of the current walk that stand for a type unit's type
    /// (DW_AT_signature) -> that type's global offset.
    pub aliases: FxMap<u32, u32>,
    /// Unit-level `int` base type DIEs (4 bytes, signed) the sites walk
    /// saw: a demand walk's type table includes them, as the array index
    /// type rule (like pahole's) asks whether the units have an `int`.
    pub int_dies: Vec<u32>,
    /// `.debug_info` is filled unit by unit on first use (`lazy_info`):
    /// per unit, its header over its bytes in `arena` once read.
    filled: Option<Vec<Option<UnitHeader<R>>>>,
    /// Where the units read since the last eviction are.
    arena: UnitArena,
    /// `.debug_line` is registered unfilled (`lazy_line`): each unit's line
    /// program header is written in place before gimli parses it; these are
    /// the header offsets written.
    lazy_line: Option<FxMap<u32, ()>>,
    /// `.debug_loclists` is registered unfilled (`lazy_loclists`): its
    /// contributions (start, end, written), each written in place when a
    /// list in it is first read.
    lazy_loclists: Option<Vec<(u32, u32, bool)>>,
    /// The raw `.debug_line` (its header lengths are read here).
    debug_line: R,
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

/// Rounds a global offset up to the next segment start.
fn segment_after(end: u64) -> Result<u32, Report> {
    let b = (end + 15) & !15;
    if b > u32::MAX as u64 / 2 {
        return Err((".debug_info".to_string(), 0, "debug sections over 2 GiB together".to_string()));
    }
    Ok(b as u32)
}

impl Ctx {
    /// Builds the `Dwarf` over the registered sections (`sup`: the
    /// supplementary file's, all empty when there is none) and indexes the
    /// units. A failure is reported where it happened (the unit header gimli
    /// could not read, or the offset its error names).
    pub fn new(raw: &Raw, sup: &Raw, little_endian: bool) -> Result<Ctx, Report> {
        let endian = if little_endian { RunTimeEndian::Little } else { RunTimeEndian::Big };
        // Sections outside READ were never registered: their slots are empty.
        let load = |id: SectionId| -> Result<R, ()> { Ok(section_slice(raw, id, endian)) };
        let mut dwarf = match Dwarf::load(load) {
            Ok(d) => d,
            Err(()) => return Err((".debug_info".to_string(), 0, "cannot load sections".to_string())),
        };
        let has_sup = sup[SectionId::DebugInfo as usize].1 != 0;
        if has_sup {
            let load_sup = |id: SectionId| -> Result<R, ()> { Ok(section_slice(sup, id, endian)) };
            if dwarf.load_sup(load_sup).is_err() {
                return Err((".debug_info".to_string(), 0, "cannot load the supplementary file".to_string()));
            }
        }
        let types_base = segment_after(raw[SectionId::DebugInfo as usize].1 as u64)?;
        let sup_base = segment_after(types_base as u64 + raw[SectionId::DebugTypes as usize].1 as u64)?;
        segment_after(sup_base as u64 + sup[SectionId::DebugInfo as usize].1 as u64)?;
        let mut ctx = Ctx {
            dwarf,
            little_endian,
            headers: Vec::new(),
            places: Vec::new(),
            walkable: 0,
            unit_offsets: Vec::new(),
            unit_ends: Vec::new(),
            units: Vec::new(),
            types_base,
            sup_base,
            signatures: FxMap::default(),
            partial: Vec::new(),
            pending: Vec::new(),
            aliases: FxMap::default(),
            int_dies: Vec::new(),
            filled: None,
            arena: UnitArena::default(),
            lazy_line: None,
            lazy_loclists: None,
            debug_line: section_slice(raw, SectionId::DebugLine, endian),
            strings: Interner::new(),
            file_paths: FxMap::default(),
            strp_ids: FxMap::default(),
            here: Here { section: ".debug_info", offset: 0 },
            debug_loc: section_slice(raw, SectionId::DebugLoc, endian),
            debug_loclists: section_slice(raw, SectionId::DebugLocLists, endian),
        };
        let mut iter = ctx.dwarf.units();
        loop {
            match iter.next() {
                Ok(Some(h)) => ctx.add_header(h, Place::Info),
                Ok(None) => break,
                Err(e) => return Err(ctx.header_failure(e, 0)),
            }
        }
        ctx.walkable = ctx.headers.len();
        let mut iter = ctx.dwarf.type_units();
        loop {
            match iter.next() {
                Ok(Some(h)) => ctx.add_header(h, Place::Types),
                Ok(None) => break,
                Err(e) => return Err(ctx.header_failure(e, types_base)),
            }
        }
        if has_sup {
            let mut headers = Vec::new();
            if let Some(s) = ctx.dwarf.sup() {
                let mut iter = s.units();
                loop {
                    match iter.next() {
                        Ok(Some(h)) => headers.push(h),
                        Ok(None) => break,
                        Err(e) => return Err(ctx.header_failure(e, sup_base)),
                    }
                }
            }
            for h in headers {
                ctx.add_header(h, Place::Sup);
            }
        }
        Ok(ctx)
    }

    fn add_header(&mut self, h: UnitHeader<R>, place: Place) {
        let raw_off = match h.offset() {
            UnitSectionOffset::DebugInfoOffset(o) => o.0 as u32,
            UnitSectionOffset::DebugTypesOffset(o) => o.0 as u32,
        };
        let off = raw_off.wrapping_add(match place {
            Place::Info => 0,
            Place::Types => self.types_base,
            Place::Sup => self.sup_base,
        });
        if let UnitType::Type { type_signature: DebugTypeSignature(sig), type_offset } = h.type_() {
            self.signatures.entry(sig).or_insert(off.wrapping_add(type_offset.0 as u32));
        }
        self.here.offset = off as u64;
        self.unit_offsets.push(off);
        self.unit_ends.push(off.wrapping_add(h.length_including_self() as u32));
        self.headers.push(h);
        self.places.push(place);
        self.partial.push(None);
        self.units.push(None);
    }

    /// A header gimli could not read starts where the last good unit of its
    /// section ends (`base`: the section's first global offset).
    fn header_failure(&mut self, e: gimli::Error, base: u32) -> Report {
        let last = self.unit_ends.last().copied().unwrap_or(0);
        self.here = Here { section: ".debug_info", offset: last.max(base) as u64 };
        self.describe(&e.into())
    }

    /// The DWARF a unit's own forms refer to: the supplementary file's for its units.
    pub fn dwarf_of(&self, place: Place) -> &Dwarf<R> {
        match (place, self.dwarf.sup()) {
            (Place::Sup, Some(s)) => s,
            _ => &self.dwarf,
        }
    }

    /// True when a reference into unit `idx` makes a types walk read that
    /// unit too: a type or partial unit, or any unit of `.debug_types` or of
    /// the supplementary file. Compilation units of the input are walked by
    /// index; a reference between two of them is the cross-unit case the TS
    /// side handles (one batch of all units).
    pub fn is_dependency(&mut self, idx: usize) -> Res<bool> {
        if idx >= self.walkable || matches!(self.headers[idx].type_(), UnitType::Type { .. } | UnitType::Partial) {
            return Ok(true);
        }
        if let Some(p) = self.partial[idx] {
            return Ok(p);
        }
        // DWARF 4 partial units (dwz) have a compilation unit header: the root tag says.
        let u = self.unit(idx)?;
        let mut raw = u.entries_raw(None)?;
        let p = matches!(raw.read_abbreviation()?, Some(ab) if ab.tag() == gimli::constants::DW_TAG_partial_unit);
        self.partial[idx] = Some(p);
        Ok(p)
    }

    /// Notes a reference from `unit` to global offset `off`: when it leaves
    /// the unit for a dependency ([`Ctx::is_dependency`]), that unit's types
    /// are walked too.
    #[inline]
    pub fn note_ref(&mut self, unit: &XUnit, off: u32) -> Res<()> {
        // Almost every reference stays in its unit: that test inline, the rest out of line.
        if off == NONE || (off >= unit.base && off < unit.end) {
            return Ok(());
        }
        self.note_far_ref(off)
    }

    #[inline(never)] // a small DIE loop tiers up sooner (lib.rs: "Code size")
    fn note_far_ref(&mut self, off: u32) -> Res<()> {
        if let Some(i) = self.unit_index_of(off) {
            if self.is_dependency(i)? {
                self.pending.push(i);
            }
        }
        Ok(())
    }

    /// Notes DW_AT_import of a DW_TAG_imported_unit: its unit's types are walked too.
    pub fn note_import(&mut self, off: u32) {
        if let Some(i) = self.unit_index_of(off) {
            self.pending.push(i);
        }
    }

    /// The parsed unit (abbreviations, line program header), built once.
    #[inline(never)] // a small DIE loop tiers up sooner (lib.rs: "Code size")
    pub fn unit(&mut self, idx: usize) -> Res<Rc<XUnit>> {
        if let Some(Some(u)) = self.units.get(idx) {
            return Ok(u.clone());
        }
        let h = match self.headers.get(idx) {
            Some(h) => *h,
            None => return Err(Fail::Msg("unit index out of range")),
        };
        let place = self.places[idx];
        let h = if place == Place::Info { self.fill(idx)?.unwrap_or(h) } else { h };
        let saved = self.here;
        // Abbreviations first (gimli caches them for `unit`): an error in
        // them is reported at the unit's table in .debug_abbrev.
        self.here = Here { section: ".debug_abbrev", offset: h.debug_abbrev_offset().0 as u64 };
        let abbrevs = self.dwarf_of(place).abbreviations(&h)?;
        self.here = Here { section: ".debug_info", offset: self.unit_offsets[idx] as u64 };
        if place == Place::Info && self.lazy_line.is_some() {
            self.fill_line_header(&h, &abbrevs)?;
        }
        let unit = self.dwarf_of(place).unit(h)?;
        let u = Rc::new(XUnit { unit, base: self.unit_offsets[idx], end: self.unit_ends[idx], place });
        self.here = saved;
        self.units[idx] = Some(u.clone());
        Ok(u)
    }

    /// From now on, `.debug_info` units are asked of the host when first
    /// used (the caller filled only their headers): a worker walking half of
    /// a vmlinux then reads only its half, and holds only the units of its
    /// current batch ([`Ctx::evict_units`]).
    pub fn lazy_info(&mut self) {
        self.filled = Some(vec![None; self.walkable]);
    }

    /// With lazy `.debug_info`: unit `idx`'s header over its bytes, which the
    /// host writes into the arena the first time (None: not lazy, the
    /// registered header is the one).
    fn fill(&mut self, idx: usize) -> Res<Option<UnitHeader<R>>> {
        match self.filled.as_ref() {
            Some(f) if idx < f.len() => {
                if let Some(h) = &f[idx] {
                    return Ok(Some(*h));
                }
            }
            _ => return Ok(None),
        }
        let (off, end) = (self.unit_offsets[idx], self.unit_ends[idx]);
        let len = end.wrapping_sub(off) as usize;
        let at = self.arena.alloc(len);
        // SAFETY: a plain host call; it writes `len` bytes at `at`, a block of the arena.
        if unsafe { host::fill_info(off, len as u32, at as usize as u32) } != 0 {
            self.here = Here { section: ".debug_info", offset: off as u64 };
            return Err(Fail::Msg("cannot read this unit from the file"));
        }
        // SAFETY: the block stays allocated, unmoved, until `evict_units`,
        // which first drops every parsed unit (nothing else keeps a slice of it).
        let bytes: &'static [u8] = unsafe { std::slice::from_raw_parts(at, len) };
        let h = self.headers[idx];
        let entries_len = h.length_including_self() - h.header_size();
        let endian = if self.little_endian { RunTimeEndian::Little } else { RunTimeEndian::Big };
        let entries = EndianSlice::new(&bytes[len - entries_len..], endian);
        let lazy = UnitHeader::new(h.encoding(), h.unit_length(), h.type_(), h.debug_abbrev_offset(), h.offset(), entries);
        if let Some(f) = self.filled.as_mut() {
            f[idx] = Some(lazy);
        }
        Ok(Some(lazy))
    }

    /// Forgets the parsed units (their abbreviations and line program
    /// headers), kept only for the length of one walk: a worker walking half
    /// of a vmlinux would otherwise hold every unit it ever parsed.
    pub fn forget_units(&mut self) {
        for u in self.units.iter_mut() {
            *u = None;
        }
    }

    /// From now on `.debug_line` (registered unfilled) is written header by
    /// header as units are parsed: gimli reads a unit's line program header
    /// (the file table) and never its rows.
    pub fn lazy_line(&mut self) {
        self.lazy_line = Some(FxMap::default());
    }

    /// Writes the line program header unit `h`'s DW_AT_stmt_list names,
    /// once: first its lengths, then the header they give (within the
    /// section; where the lengths make no sense, the rest of the section,
    /// so gimli reports what an eager reader would).
    fn fill_line_header(&mut self, h: &UnitHeader<R>, abbrevs: &gimli::Abbreviations) -> Res<()> {
        let mut raw = h.entries_raw(abbrevs, None)?;
        let ab = match raw.read_abbreviation()? {
            Some(ab) => ab,
            None => return Ok(()),
        };
        let mut at = None;
        for spec in ab.attributes() {
            let attr = raw.read_attribute(*spec)?;
            if attr.name() == gimli::constants::DW_AT_stmt_list {
                if let AttributeValue::DebugLineRef(o) = attr.value() {
                    at = Some(o.0);
                }
            }
        }
        let size = self.debug_line.len();
        let off = match at {
            Some(o) if o < size => o,
            _ => return Ok(()),
        };
        let first_time = match self.lazy_line.as_mut() {
            Some(done) => done.insert(off as u32, ()).is_none(),
            None => false,
        };
        if !first_time {
            return Ok(());
        }
        // unit_length (4, or 12 for 64-bit DWARF), version, DWARF 5's address
        // and segment selector sizes, header_length: at most 24 bytes.
        let first = 24.min(size - off);
        fill_section(SectionId::DebugLine, off, first)?;
        let end = match line_header_end(&self.debug_line.slice()[off..off + first], self.little_endian) {
            Some(n) if n <= size - off => off + n,
            _ => size,
        };
        fill_section(SectionId::DebugLine, off, end - off)
    }

    /// From now on `.debug_loclists` (registered unfilled) is written one
    /// contribution at a time, when a list in it is first read.
    /// `parts`: the contributions (start, end), in order.
    pub fn lazy_loclists(&mut self, parts: &[(u32, u32)]) {
        self.lazy_loclists = Some(parts.iter().map(|&(a, z)| (a, z, false)).collect());
    }

    /// With lazy `.debug_loclists`: writes the contribution holding `off`
    /// (a list, or a unit's offset table) if not yet written; an offset in
    /// none of them has the whole section written, so every read sees the
    /// bytes an eager reader would.
    pub fn ensure_loclists(&mut self, off: usize) -> Res<()> {
        let parts = match self.lazy_loclists.as_mut() {
            Some(p) => p,
            None => return Ok(()),
        };
        let i = parts.partition_point(|&(a, _, _)| (a as usize) <= off);
        if i > 0 && off < parts[i - 1].1 as usize {
            let (a, z, done) = parts[i - 1];
            if !done {
                parts[i - 1].2 = true;
                fill_section(SectionId::DebugLocLists, a as usize, (z - a) as usize)?;
            }
            return Ok(());
        }
        self.lazy_loclists = None;
        fill_section(SectionId::DebugLocLists, 0, self.debug_loclists.len())
    }

    /// Before a walk: forgets the parsed units and, with lazy `.debug_info`,
    /// the bytes of every unit read so far (the arena is reused; a unit
    /// used again is read again).
    pub fn evict_units(&mut self) {
        self.forget_units();
        if let Some(f) = self.filled.as_mut() {
            for h in f.iter_mut() {
                *h = None;
            }
            self.arena.reset();
        }
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
    pub fn locate(&mut self, off: u32) -> Res<(usize, Rc<XUnit>, UnitOffset<usize>)> {
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

    /// The next DIE of a unit walk: (depth, global offset, abbreviation), or
    /// None for a null entry. `here` is set before the abbreviation code is
    /// read, so an error reading it or skipping the attributes of any DIE is
    /// reported at that DIE.
    #[inline]
    pub fn next_die<'a>(&mut self, raw: &mut EntriesRaw<'a, '_, R>, base: u32) -> Res<Option<(isize, u32, &'a Abbreviation)>> {
        let depth = raw.next_depth();
        let off = base + raw.next_offset().0 as u32;
        self.here = Here { section: ".debug_info", offset: off as u64 };
        Ok(raw.read_abbreviation()?.map(|ab| (depth, off, ab)))
    }

    /// Interns the string an attribute names (any string form; DW_FORM_strp
    /// of a supplementary unit and DW_FORM_GNU_strp_alt / strp_sup read the
    /// supplementary file's `.debug_str`).
    #[inline(never)] // a small DIE loop tiers up sooner (lib.rs: "Code size")
    pub fn attr_str(&mut self, unit: &XUnit, v: AttributeValue<R>) -> u32 {
        // Most names are DW_FORM_strp: key the interner by section offset
        // first, which skips strlen, hashing and comparing the bytes.
        if let (AttributeValue::DebugStrRef(o), Place::Info | Place::Types) = (v, unit.place) {
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
        match self.dwarf_of(unit.place).attr_string(unit, v) {
            Ok(s) => {
                let bytes: &'static [u8] = s.slice();
                self.strings.intern(bytes)
            }
            Err(_) => 0,
        }
    }

    /// Whether a string attribute is `text` (without interning it).
    pub fn attr_is(&self, unit: &XUnit, v: AttributeValue<R>, text: &[u8]) -> bool {
        match self.dwarf_of(unit.place).attr_string(unit, v) {
            Ok(s) => s.slice() == text,
            Err(_) => false,
        }
    }

    /// Path of file `index` of unit `ui`'s line table, interned and cached.
    /// Relative directories are joined to DW_AT_comp_dir as llvm-dwarfdump
    /// prints them (its "absolute file path" mode).
    pub fn file_path(&mut self, ui: usize, unit: &XUnit, index: u64) -> u32 {
        let key = ((ui as u64) << 32) | (index & 0xffff_ffff);
        if let Some(&id) = self.file_paths.get(&key) {
            return id;
        }
        let id = self.build_file_path(unit, index);
        self.file_paths.insert(key, id);
        id
    }

    fn build_file_path(&mut self, unit: &XUnit, index: u64) -> u32 {
        let dwarf = self.dwarf_of(unit.place);
        let lp = match &unit.line_program {
            Some(lp) => lp,
            None => return 0,
        };
        let header = lp.header();
        let file = match header.file(index) {
            Some(f) => f,
            None => return 0,
        };
        let name = match dwarf.attr_string(unit, file.path_name()) {
            Ok(s) => s.slice(),
            Err(_) => return 0,
        };
        let mut path: Vec<u8> = Vec::new();
        if !name.starts_with(b"/") {
            let dir: &[u8] = match file.directory(header) {
                Some(d) => match dwarf.attr_string(unit, d) {
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

    /// Global offset of the DIE a reference attribute names (NONE
    /// otherwise): within the unit, DW_FORM_ref_addr into its own file's
    /// `.debug_info` (the input's, for `.debug_types` units),
    /// DW_FORM_GNU_ref_alt / ref_sup4/8 into the supplementary file, and
    /// DW_FORM_ref_sig8 through the type unit of that signature.
    pub fn ref_off(&self, unit: &XUnit, v: &AttributeValue<R>) -> u32 {
        match *v {
            AttributeValue::UnitRef(o) => unit.base.wrapping_add(o.0 as u32),
            AttributeValue::DebugInfoRef(DebugInfoOffset(o)) => match unit.place {
                Place::Sup => self.sup_base.wrapping_add(o as u32),
                Place::Info | Place::Types => o as u32,
            },
            AttributeValue::DebugInfoRefSup(DebugInfoOffset(o)) if self.dwarf.sup().is_some() => {
                self.sup_base.wrapping_add(o as u32)
            }
            AttributeValue::DebugTypesRef(DebugTypeSignature(sig)) => self.signatures.get(&sig).copied().unwrap_or(NONE),
            _ => NONE,
        }
    }

    /// Section and section offset of a global DIE offset, as tools print them.
    pub fn section_of(&self, off: u64) -> (&'static str, u64) {
        if self.dwarf.sup().is_some() && off >= self.sup_base as u64 {
            (".debug_info of the supplementary file", off - self.sup_base as u64)
        } else if off >= self.types_base as u64 && self.walkable < self.headers.len() {
            (".debug_types", off - self.types_base as u64)
        } else {
            (".debug_info", off)
        }
    }

    /// Turns a failure into (section, offset, message).
    pub fn describe(&self, f: &Fail) -> Report {
        let (sec, off) = if self.here.section == ".debug_info" {
            self.section_of(self.here.offset)
        } else {
            (self.here.section, self.here.offset)
        };
        match f {
            Fail::Msg(m) => (sec.to_string(), off, m.to_string()),
            Fail::Unsupported(m) => (sec.to_string(), off, m.clone()),
            Fail::Gimli(e) => {
                if let gimli::Error::UnexpectedEof(id) = e {
                    if let Some((in_sup, s, o)) = self.dwarf.lookup_offset_id(*id) {
                        let name = if in_sup { format!("{} of the supplementary file", s.name()) } else { s.name().to_string() };
                        return (name, o as u64, format!("{}", e));
                    }
                }
                (sec.to_string(), off, format!("{}", e))
            }
        }
    }
}

pub use crate::consts::NONE;

/// What the host (src/dwarf/wasm.ts) provides.
mod host {
    #[cfg(target_arch = "wasm32")]
    #[link(wasm_import_module = "btfgen")]
    extern "C" {
        /// Writes `.debug_info` bytes `[off, off + len)` at `to` (a block
        /// of wasm memory); 0 on success.
        pub fn fill_info(off: u32, len: u32, to: u32) -> u32;
        /// Writes bytes `[off, off + len)` of section `id` (registered
        /// unfilled) where it was registered; 0 on success.
        pub fn fill_section(id: u32, off: u32, len: u32) -> u32;
    }

    /// Off wasm there is no host: every section is filled up front.
    #[cfg(not(target_arch = "wasm32"))]
    pub unsafe fn fill_info(_off: u32, _len: u32, _to: u32) -> u32 {
        1
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub unsafe fn fill_section(_id: u32, _off: u32, _len: u32) -> u32 {
        1
    }
}

/// Has the host write bytes `[off, off + len)` of a section registered
/// unfilled, in place.
fn fill_section(id: SectionId, off: usize, len: usize) -> Res<()> {
    // SAFETY: a plain host call; it writes inside the registered section.
    if len > 0 && unsafe { host::fill_section(id as u32, off as u32, len as u32) } != 0 {
        return Err(Fail::Msg("cannot read this section range from the file"));
    }
    Ok(())
}

/// The length of the line program header at the start of `b` (its first
/// bytes: lengths, version), None when they cannot be read.
fn line_header_end(b: &[u8], little: bool) -> Option<usize> {
    use gimli::Reader;
    let mut r = EndianSlice::new(b, if little { RunTimeEndian::Little } else { RunTimeEndian::Big });
    let (_, format) = r.read_initial_length().ok()?;
    if r.read_u16().ok()? >= 5 {
        // DWARF 5: address_size, segment_selector_size.
        r.skip(2).ok()?;
    }
    let header_length = r.read_offset(format).ok()?;
    (b.len() - r.len()).checked_add(header_length)
}

/// Blocks for unit bytes, handed out from chunks that never move or
/// shrink (a slice into one stays valid until [`UnitArena::reset`]); reset
/// makes every chunk free again, so the memory of a walk is reused by the
/// next one instead of growing with every unit ever read.
#[derive(Default)]
pub struct UnitArena {
    chunks: Vec<Vec<u8>>,
    /// The chunk blocks are cut from, and how much of it is used.
    cur: usize,
    used: usize,
}

/// The least chunk size: a batch of units in a few chunks.
const ARENA_CHUNK: usize = 4 << 20;

impl UnitArena {
    /// A block of `len` bytes (contents undefined), 8-aligned.
    pub fn alloc(&mut self, len: usize) -> *mut u8 {
        let need = (len + 7) & !7;
        loop {
            if self.cur == self.chunks.len() {
                self.chunks.push(Vec::with_capacity(need.max(ARENA_CHUNK)));
            }
            let c = &mut self.chunks[self.cur];
            if c.capacity() - self.used >= need {
                // SAFETY: inside the chunk's allocation.
                let p = unsafe { c.as_mut_ptr().add(self.used) };
                self.used += need;
                return p;
            }
            self.cur += 1;
            self.used = 0;
        }
    }

    pub fn reset(&mut self) {
        self.cur = 0;
        self.used = 0;
    }
}
