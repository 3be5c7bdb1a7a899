//! Output columns: one `Vec` per field of the tables in `src/dwarf/records.ts`,
//! declared here once, grouped by table.
//!
//! The list crosses the boundary as [`Out::NAMES`], a `table.field:type,`
//! string (`column_names()`): the TS side builds its tables from it and
//! refuses a column it does not know, one it misses, or an element type that
//! differs from its own schema. After a walk, [`Out::describe`] writes a
//! (pointer, element count) pair per column in that order, the interned
//! string blob (`blob.strings`) last. The columns are cleared at the start
//! of each walk.

macro_rules! columns {
    ($($table:ident { $($field:ident : $ty:ident => $name:literal),* $(,)? })*) => {
        /// Every column of one walk.
        #[derive(Default)]
        pub struct Out { $($(pub $field: Vec<$ty>,)*)* }

        /// The tables, for [`Out::reserve`].
        #[allow(non_camel_case_types, dead_code)]
        #[derive(Clone, Copy)]
        pub enum Table { $($table,)* }

        impl Out {
            /// `table.field:type,` for each column, in descriptor order.
            pub const NAMES: &'static str = concat!(
                $($(stringify!($table), ".", $name, ":", stringify!($ty), ",",)*)*
                "blob.strings:u8,"
            );
            /// Empties every column, keeping capacity for the next walk.
            pub fn clear(&mut self) { $($(self.$field.clear();)*)* }
            /// Reserves room for `n` more rows in every column of `table`.
            pub fn reserve(&mut self, table: Table, n: usize) {
                match table { $(Table::$table => { $(self.$field.reserve(n);)* })* }
            }
            /// Appends (pointer, length in elements) per column, then the string blob's.
            pub fn describe(&self, strings: &[u8], d: &mut Vec<u32>) {
                $($( d.push(self.$field.as_ptr() as usize as u32); d.push(self.$field.len() as u32); )*)*
                d.push(strings.as_ptr() as usize as u32);
                d.push(strings.len() as u32);
            }
        }
    };
}

columns! {
    units {
        unit_offset: u32 => "offset",
        unit_version: u8 => "version",
        unit_addr_size: u8 => "addrSize",
        unit_offset_size: u8 => "offsetSize",
        unit_name: u32 => "name",
        unit_producer: u32 => "producer",
        unit_language: u32 => "language",
        unit_flags: u8 => "flags",
    }
    funcs {
        func_die: u32 => "die",
        func_name: u32 => "name",
        func_linkage_name: u32 => "linkageName",
        func_type: u32 => "type",
        func_flags: u32 => "flags",
        func_decl_file: u32 => "declFile",
        func_decl_line: u32 => "declLine",
        func_param_start: u32 => "paramStart",
        func_param_count: u32 => "paramCount",
    }
    params {
        param_die: u32 => "die",
        param_name: u32 => "name",
        param_type: u32 => "type",
    }
    sites {
        site_kind: u8 => "kind",
        site_func: u32 => "func",
        site_die: u32 => "die",
        site_addr_lo: u32 => "addrLo",
        site_addr_hi: u32 => "addrHi",
        site_addr_source: u8 => "addrSource",
        site_caller: u32 => "caller",
        site_caller_lo: u32 => "callerLo",
        site_caller_hi: u32 => "callerHi",
        site_call_file: u32 => "callFile",
        site_call_line: u32 => "callLine",
        site_depth: u8 => "depth",
        site_unit: u32 => "unit",
        site_loc_start: u32 => "locStart",
        site_name: u32 => "siteName",
        site_flags: u8 => "flags",
    }
    locs {
        loc_kind: u8 => "kind",
        loc_expr_off: u32 => "exprOff",
        loc_expr_len: u32 => "exprLen",
        loc_val_lo: u32 => "valLo",
        loc_val_hi: u32 => "valHi",
    }
    dies {
        die_off: u32 => "off",
        die_tag: u16 => "tag",
        die_parent: u32 => "parent",
        die_unit: u32 => "unit",
        die_name: u32 => "name",
        die_type: u32 => "type",
        die_origin: u32 => "origin",
        die_byte_size: u32 => "byteSize",
        die_bit_size: u32 => "bitSize",
        die_bit_offset: u32 => "bitOffset",
        die_encoding: u8 => "encoding",
        die_count: u32 => "count_",
        die_val_lo: u32 => "valLo",
        die_val_hi: u32 => "valHi",
        die_flags: u32 => "flags",
        die_expr_off: u32 => "exprOff",
        die_expr_len: u32 => "exprLen",
        die_addr_lo: u32 => "addrLo",
        die_addr_hi: u32 => "addrHi",
    }
    calls {
        call_origin: u32 => "origin",
        call_unit: u32 => "unit",
        call_pc_lo: u32 => "pcLo",
        call_pc_hi: u32 => "pcHi",
        call_flags: u8 => "flags",
        call_param_start: u32 => "paramStart",
        call_param_count: u32 => "paramCount",
    }
    callParams {
        call_param_reg: u32 => "reg",
        call_param_expr_off: u32 => "exprOff",
        call_param_expr_len: u32 => "exprLen",
    }
    // Expression and block bytes (`blob.strings`, the interner's, follows).
    blob {
        exprs: u8 => "exprs",
    }
}
