//! Output columns: one `Vec` per field of the tables in `src/dwarf/records.ts`.
//!
//! After a walk, `describe` writes a (pointer, element count) pair per column
//! into a descriptor array, in the order of [`Out::NAMES`] (a
//! `table.field:type,` list the TS side parses, so the two sides cannot drift
//! apart silently). The columns are cleared at the start of each walk.

macro_rules! columns {
    ($($field:ident : $ty:ident => $name:literal),* $(,)?) => {
        /// Every column of one walk.
        #[derive(Default)]
        pub struct Out { $(pub $field: Vec<$ty>,)* }
        impl Out {
            /// `table.field:type,` for each column, in descriptor order.
            pub const NAMES: &'static str = concat!($($name, ":", stringify!($ty), ","),*);
            /// Empties every column, keeping capacity for the next walk.
            pub fn clear(&mut self) { $(self.$field.clear();)* }
            /// Appends (pointer, length in elements) per column.
            pub fn describe(&self, d: &mut Vec<u32>) {
                $( d.push(self.$field.as_ptr() as usize as u32); d.push(self.$field.len() as u32); )*
            }
        }
    };
}

columns! {
    unit_offset: u32 => "units.offset",
    unit_version: u8 => "units.version",
    unit_addr_size: u8 => "units.addrSize",
    unit_offset_size: u8 => "units.offsetSize",
    unit_name: u32 => "units.name",
    unit_producer: u32 => "units.producer",
    unit_language: u32 => "units.language",

    func_die: u32 => "funcs.die",
    func_name: u32 => "funcs.name",
    func_linkage_name: u32 => "funcs.linkageName",
    func_type: u32 => "funcs.type",
    func_flags: u32 => "funcs.flags",
    func_decl_file: u32 => "funcs.declFile",
    func_decl_line: u32 => "funcs.declLine",
    func_param_start: u32 => "funcs.paramStart",
    func_param_count: u32 => "funcs.paramCount",

    param_die: u32 => "params.die",
    param_name: u32 => "params.name",
    param_type: u32 => "params.type",

    site_kind: u8 => "sites.kind",
    site_func: u32 => "sites.func",
    site_die: u32 => "sites.die",
    site_addr_lo: u32 => "sites.addrLo",
    site_addr_hi: u32 => "sites.addrHi",
    site_addr_source: u8 => "sites.addrSource",
    site_caller: u32 => "sites.caller",
    site_caller_lo: u32 => "sites.callerLo",
    site_caller_hi: u32 => "sites.callerHi",
    site_call_file: u32 => "sites.callFile",
    site_call_line: u32 => "sites.callLine",
    site_depth: u8 => "sites.depth",
    site_unit: u32 => "sites.unit",
    site_loc_start: u32 => "sites.locStart",
    site_name: u32 => "sites.siteName",
    site_flags: u8 => "sites.flags",

    loc_kind: u8 => "locs.kind",
    loc_expr_off: u32 => "locs.exprOff",
    loc_expr_len: u32 => "locs.exprLen",
    loc_val_lo: u32 => "locs.valLo",
    loc_val_hi: u32 => "locs.valHi",

    die_off: u32 => "dies.off",
    die_tag: u16 => "dies.tag",
    die_parent: u32 => "dies.parent",
    die_unit: u32 => "dies.unit",
    die_name: u32 => "dies.name",
    die_type: u32 => "dies.type",
    die_origin: u32 => "dies.origin",
    die_byte_size: u32 => "dies.byteSize",
    die_bit_size: u32 => "dies.bitSize",
    die_bit_offset: u32 => "dies.bitOffset",
    die_encoding: u8 => "dies.encoding",
    die_count: u32 => "dies.count_",
    die_val_lo: u32 => "dies.valLo",
    die_val_hi: u32 => "dies.valHi",
    die_flags: u32 => "dies.flags",
    die_expr_off: u32 => "dies.exprOff",
    die_expr_len: u32 => "dies.exprLen",
    die_addr_lo: u32 => "dies.addrLo",
    die_addr_hi: u32 => "dies.addrHi",

    exprs: u8 => "blob.exprs",
}
