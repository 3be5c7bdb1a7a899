//! String interner shared by every walk of one instance.
//!
//! StrIds are byte offsets into one NUL-terminated blob that starts with "\0"
//! (StrId 0 = empty string). The interner lives as long as the instance, so a
//! StrId handed out by one walk stays valid in every later walk; each walk
//! returns the whole blob (TS copies it once per walk).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A small multiplicative hasher (FxHash-like): names are short, SipHash is
/// needlessly slow for millions of lookups.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const K: u64 = 0x517c_c1b7_2722_0a95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64)
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64)
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i)
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64)
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The low bits of a product depend only on the low bits of the
        // input, and hashbrown picks buckets by low bits: keys such as
        // (unit << 32 | file) all collided. Bring the well-mixed high bits down.
        self.0.rotate_left(26)
    }
}

/// HashMap with [`FxHasher`].
pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Deduplicating string table.
pub struct Interner {
    /// The blob: "\0" then each string followed by "\0".
    pub blob: Vec<u8>,
    map: FxMap<Box<[u8]>, u32>,
}

impl Interner {
    pub fn new() -> Self {
        Interner { blob: vec![0], map: FxMap::default() }
    }

    /// StrId of `s` (0 for the empty string). Strings containing NUL are cut
    /// at the first NUL, as a C reader of the blob would see them.
    pub fn intern(&mut self, s: &[u8]) -> u32 {
        let s = match s.iter().position(|&b| b == 0) {
            Some(n) => &s[..n],
            None => s,
        };
        if s.is_empty() {
            return 0;
        }
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.blob.len() as u32;
        self.blob.extend_from_slice(s);
        self.blob.push(0);
        self.map.insert(s.into(), id);
        id
    }

    /// The bytes of StrId `id` (without the NUL).
    pub fn text(&self, id: u32) -> &[u8] {
        let rest = self.blob.get(id as usize..).unwrap_or(&[]);
        match rest.iter().position(|&b| b == 0) {
            Some(n) => &rest[..n],
            None => rest,
        }
    }
}
