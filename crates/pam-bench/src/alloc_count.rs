//! Counting allocations: a global allocator that forwards to the system allocator and counts,
//! per thread, how many times it was asked for memory and how many bytes.
//!
//! Per thread, so that the tokio threads of the network sections do not blur a count taken
//! on the main thread. The counters are `const`-initialised thread locals without
//! destructors, so touching them never allocates.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static CALLS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, counting.
#[derive(Debug)]
pub(crate) struct CountingAllocator;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn note(bytes: usize) {
    // `try_with` fails only while the thread is being torn down; nothing to count then.
    let _ = CALLS.try_with(|calls| calls.set(calls.get() + 1));
    let _ = BYTES.try_with(|total| total.set(total.get() + bytes as u64));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is `System`'s; counting touches only thread-local `Cell`s.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: forwarded unchanged; the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Allocator calls (`alloc`, `alloc_zeroed` and `realloc`) and the bytes they asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Allocations {
    pub(crate) calls: u64,
    pub(crate) bytes: u64,
}

/// What the current thread asked the allocator for while running `f` once.
pub(crate) fn count<T>(f: impl FnOnce() -> T) -> (T, Allocations) {
    let calls = CALLS.with(Cell::get);
    let bytes = BYTES.with(Cell::get);
    let out = f();
    let counted = Allocations {
        calls: CALLS.with(Cell::get) - calls,
        bytes: BYTES.with(Cell::get) - bytes,
    };
    (out, counted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_this_threads_allocations() {
        let (v, counted) = count(|| vec![0u8; 100]);
        assert_eq!(v.len(), 100);
        assert_eq!(counted.calls, 1);
        assert_eq!(counted.bytes, 100);
        let ((), none) = count(|| ());
        assert_eq!(none, Allocations::default());
    }
}
