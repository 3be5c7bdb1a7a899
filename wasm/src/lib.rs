//! placeholder
#[no_mangle]
pub extern "C" fn version() -> u32 { 1 }
