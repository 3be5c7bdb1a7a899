//! The global allocator of the wasm module.
//!
//! Why not std's dlmalloc: on wasm32 it takes memory from the engine 64 KiB
//! at a time and never reuses blocks above its mmap threshold, so growing
//! column vectors and ~80 MB of cached unit data meant thousands of
//! `memory.grow` calls; V8 accounts each one as external memory and ran its
//! GC — on vmlinux, 1.4 s of a 2.7 s walk went to malloc, realloc and GC.
//!
//! This one is deliberately simple (single-threaded, like wasm32):
//! - small blocks (<= 256 KiB): power-of-two size classes from 16 bytes, one
//!   free list per class, carved from a bump region;
//! - large blocks: multiples of 64 KiB, first fit from a free list (split),
//!   else bump; a block at the top of the bump region grows in place, which
//!   is what the big column vectors do;
//! - the bump region grows by at least 32 MiB per `memory.grow`.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::ptr::null_mut;

const PAGE: usize = 65536;
const MIN_GROW: usize = 32 << 20;
const SMALL_MAX: usize = 256 << 10;
const NCLASS: usize = 15; // 16 B .. 256 KiB

struct FreeLarge {
    next: *mut FreeLarge,
    size: usize,
}

struct Heap {
    bump: usize,
    end: usize,
    small: [*mut usize; NCLASS],
    large: *mut FreeLarge,
}

static mut HEAP: Heap = Heap { bump: 0, end: 0, small: [null_mut(); NCLASS], large: null_mut() };

/// The allocator registered with `#[global_allocator]`.
pub struct WasmAlloc;

fn class_of(size: usize) -> usize {
    let s = size.max(16).next_power_of_two();
    (s.trailing_zeros() - 4) as usize
}

fn round_large(size: usize) -> usize {
    (size + PAGE - 1) & !(PAGE - 1)
}

impl Heap {
    /// `size` bytes at the bump pointer aligned to `align`, growing memory.
    unsafe fn bump(&mut self, size: usize, align: usize) -> *mut u8 {
        if self.end == 0 {
            self.end = wasm32::memory_size(0) * PAGE;
            self.bump = self.end;
        }
        let start = (self.bump + align - 1) & !(align - 1);
        let need_end = match start.checked_add(size) {
            Some(e) => e,
            None => return null_mut(),
        };
        if need_end > self.end {
            let want = (need_end - self.end).max(MIN_GROW);
            let pages = (want + PAGE - 1) / PAGE;
            if wasm32::memory_grow(0, pages) == usize::MAX {
                // Retry with exactly what is needed.
                let pages = (need_end - self.end + PAGE - 1) / PAGE;
                if wasm32::memory_grow(0, pages) == usize::MAX {
                    return null_mut();
                }
                self.end += pages * PAGE;
            } else {
                self.end += pages * PAGE;
            }
        }
        self.bump = need_end;
        start as *mut u8
    }

    unsafe fn alloc_small(&mut self, c: usize) -> *mut u8 {
        let head = self.small[c];
        if !head.is_null() {
            self.small[c] = *head as *mut usize;
            return head as *mut u8;
        }
        let size = 16usize << c;
        self.bump(size, size.min(16))
    }

    unsafe fn alloc_large(&mut self, size: usize) -> *mut u8 {
        let mut prev: *mut *mut FreeLarge = &mut self.large;
        let mut cur = self.large;
        while !cur.is_null() {
            let csize = (*cur).size;
            if csize >= size {
                *prev = (*cur).next;
                if csize > size {
                    self.free_large((cur as usize + size) as *mut u8, csize - size);
                }
                return cur as *mut u8;
            }
            prev = &mut (*cur).next;
            cur = (*cur).next;
        }
        self.bump(size, PAGE)
    }

    unsafe fn free_large(&mut self, p: *mut u8, size: usize) {
        if p as usize + size == self.bump {
            self.bump = p as usize;
            return;
        }
        let node = p as *mut FreeLarge;
        (*node).next = self.large;
        (*node).size = size;
        self.large = node;
    }
}

fn is_small(layout: &Layout) -> bool {
    layout.size() <= SMALL_MAX && layout.align() <= 16
}

unsafe impl GlobalAlloc for WasmAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let h = &mut *core::ptr::addr_of_mut!(HEAP);
        if is_small(&layout) {
            h.alloc_small(class_of(layout.size()))
        } else if layout.align() <= PAGE {
            h.alloc_large(round_large(layout.size()))
        } else {
            null_mut()
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        let h = &mut *core::ptr::addr_of_mut!(HEAP);
        if is_small(&layout) {
            let c = class_of(layout.size());
            let node = p as *mut usize;
            *node = h.small[c] as usize;
            h.small[c] = node;
        } else {
            h.free_large(p, round_large(layout.size()));
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let h = &mut *core::ptr::addr_of_mut!(HEAP);
        let new_layout = match Layout::from_size_align(new_size, layout.align()) {
            Ok(l) => l,
            Err(_) => return null_mut(),
        };
        if is_small(&layout) && is_small(&new_layout) && class_of(layout.size()) == class_of(new_size) {
            return p;
        }
        if !is_small(&layout) && !is_small(&new_layout) {
            let old = round_large(layout.size());
            let new = round_large(new_size);
            if new <= old {
                if new < old {
                    h.free_large((p as usize + new) as *mut u8, old - new);
                }
                return p;
            }
            // Top block: extend in place.
            if p as usize + old == h.bump {
                let extra = new - old;
                if h.bump(extra, 1) as usize == p as usize + old {
                    return p;
                }
                return null_mut();
            }
        }
        let q = self.alloc(new_layout);
        if !q.is_null() {
            core::ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
            self.dealloc(p, layout);
        }
        q
    }
}
