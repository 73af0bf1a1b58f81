//! zlib's level-9 parse, followed in Rust, so that a gzip size costs no compressed output.
//!
//! webaudit reports the size of C zlib's stream (level 9, window 15, memLevel 8). Only the size
//! is needed, and zlib spends part of its time writing bits and a CRC nobody reads. This module
//! makes the same choices as zlib's `deflate_slow` and `longest_match`, position by position,
//! and hands the symbols to the block cost model of [`super::parallel_gzip`], which reproduces
//! `_tr_flush_block`. What it reproduces, and why each matters to the size:
//!
//! * **The hash chains.** zlib inserts every position whose three bytes are in the input into
//!   a chain keyed by a 15-bit hash of them, and walks a chain newest first, at most 4,096 links
//!   (1,024 once the previous match reached 32), no farther back than `MAX_DIST`. Positions are
//!   kept here as offsets in the input instead of the window, so the window never has to be
//!   slid; zlib's window offset 0 means "none", and [`Window::base`] keeps that rule. The walk
//!   itself goes through chains of longer keys ([`Chains`]) and reaches the same position.
//! * **The match length.** The first link with the longest match wins; the search stops at 258
//!   or at the end of the input. How the bytes are compared does not matter, so they are
//!   compared eight at a time.
//! * **The lazy evaluation.** A match is emitted only if the next position's is not longer;
//!   three-byte matches farther than 4,096 bytes are dropped (`TOO_FAR`).
//! * **The window's slides.** zlib stores a block uncompressed only while its start is in the
//!   window, and its "none" offset moves with the window. When it slides depends on how the
//!   input was handed to zlib: [`super::compress::gzip_size`] writes it in chunks of
//!   [`super::compress::CHUNK`] bytes, and [`Window`] follows the same calls.
//!
//! `tests` checks the size against zlib's own on generated and real inputs;
//! `benches/zlib_model.rs` does so over whole corpora and times both.

use super::compress::CHUNK;
use super::parallel_gzip::{NotDerivable, StreamCost, Symbol};

const WINDOW: usize = 32 * 1024;
const WINDOW_MASK: usize = WINDOW - 1;
/// zlib's `window_size`: twice the window.
const WINDOW_BYTES: usize = 2 * WINDOW;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
const MIN_LOOKAHEAD: usize = MAX_MATCH + MIN_MATCH + 1;
const MAX_DIST: usize = WINDOW - MIN_LOOKAHEAD;
const HASH_SIZE: usize = 1 << 15;
/// Level 9 of zlib's `configuration_table`: good, lazy, nice, chain.
const GOOD_MATCH: usize = 32;
const MAX_LAZY_MATCH: usize = 258;
const NICE_MATCH: usize = 258;
const MAX_CHAIN: usize = 4096;
/// Three-byte matches farther back than this are not worth their distance code.
const TOO_FAR: usize = 4096;

/// The largest input this model follows: positions are kept in 32 bits. Larger inputs are
/// compressed by zlib itself.
pub const MAX_BYTES: usize = u32::MAX as usize - 2 * WINDOW_BYTES;

/// zlib's hash of the three bytes at `position` (15 bits, shift 5: exactly what its rolling
/// `UPDATE_HASH` holds after the third byte).
#[inline(always)]
fn hash_at(data: &[u8], position: usize) -> usize {
    (((data[position] as usize) << 10)
        ^ ((data[position + 1] as usize) << 5)
        ^ data[position + 2] as usize)
        & (HASH_SIZE - 1)
}

#[inline(always)]
fn two_bytes(data: &[u8], position: usize) -> u16 {
    u16::from_ne_bytes([data[position], data[position + 1]])
}

/// How many bytes `data[a..]` and `data[b..]` have in common, up to `max`.
#[inline(always)]
fn common_prefix(data: &[u8], a: usize, b: usize, max: usize) -> usize {
    let (left, right) = (&data[a..a + max], &data[b..b + max]);
    let mut length = 0;
    while length + 8 <= max {
        let x = u64::from_le_bytes(left[length..length + 8].try_into().unwrap());
        let y = u64::from_le_bytes(right[length..length + 8].try_into().unwrap());
        let differ = x ^ y;
        if differ != 0 {
            return length + (differ.trailing_zeros() / 8) as usize;
        }
        length += 8;
    }
    while length < max && left[length] == right[length] {
        length += 1;
    }
    length
}

/// The part of the input zlib holds in its window, and what it was given so far.
struct Window {
    /// Input offset of window offset 0. zlib reads offset 0 as "no position".
    base: usize,
    /// Input offset just past the bytes in the window (`strstart + lookahead`).
    end: usize,
    /// Input offset just past what zlib was handed so far (`avail_in` runs out there).
    given: usize,
    /// The whole input was handed over and `Z_FINISH` asked.
    finishing: bool,
    len: usize,
    chunk: usize,
}

impl Window {
    /// A window for `data[..len]` from `start`, holding `data[dictionary..start]` already
    /// (what `deflateSetDictionary` leaves), and handed the input in chunks of `chunk` bytes.
    fn new(len: usize, dictionary: usize, start: usize, chunk: usize) -> Self {
        Window {
            base: dictionary,
            end: start,
            given: len.min(start.saturating_add(chunk)),
            finishing: false,
            len,
            chunk,
        }
    }

    /// zlib's `fill_window` with the current position `strstart`.
    fn fill(&mut self, strstart: usize) {
        loop {
            let mut more = WINDOW_BYTES - (self.end - self.base);
            if strstart - self.base >= WINDOW + MAX_DIST {
                self.base += WINDOW;
                more += WINDOW;
            }
            if self.given == self.end {
                break;
            }
            self.end += more.min(self.given - self.end);
            if self.end - strstart >= MIN_LOOKAHEAD || self.given == self.end {
                break;
            }
        }
    }

    /// What `deflate_slow` does at the top of its loop when the lookahead ran short: fill the
    /// window, and while more input is to come, return for it (the next chunk, then
    /// `Z_FINISH`) and fill again.
    fn ensure_lookahead(&mut self, strstart: usize) {
        loop {
            self.fill(strstart);
            if self.end - strstart >= MIN_LOOKAHEAD || self.finishing {
                return;
            }
            if self.given < self.len {
                self.given = self.given.saturating_add(self.chunk).min(self.len);
            } else {
                self.finishing = true;
            }
        }
    }
}

/// zlib's hash chains over input offsets, and faster ways through them.
///
/// zlib walks one chain per 3-byte hash, newest first, and takes the first position whose match
/// is longer than the best so far. Its hash keeps only 5 bits of the first byte, so its chains
/// mix strings; and once the best is `k - 1` bytes long, only positions that share `k` bytes
/// can win, so most links are rejected by its byte checks. The chains of [`Longer`] link the
/// positions that share their first 3, 4 or 8 bytes (and a few hash collisions), so the walk
/// jumps between the only candidates that can win; when more bytes are wanted than a key
/// holds, it goes through the chain of the last of them instead ([`TailWalk::find`]). What zlib's
/// walk would have reached is kept: a position's rank in its 3-byte chain (the count of
/// insertions with its hash, kept in `head` and `prev`) says whether zlib reaches it within its
/// chain budget, and positions decrease along every chain, so `limit` stops both walks alike.
struct Chains {
    /// Per hash: the newest position and how many were inserted (kept together: one cache
    /// line for both).
    head: Vec<[u32; 2]>,
    /// Per position (modulo the window): the next older one in its chain and its count.
    prev: Vec<[u32; 2]>,
    longer: [Longer; LONGER_KEYS.len()],
}

/// Chains of positions that share their first `key_len` bytes (hashed, so with collisions).
struct Longer {
    key_len: usize,
    /// How many bits of the hash index `head`.
    hash_bits: u32,
    head: Vec<u32>,
    prev: Vec<u32>,
}

/// How many entries a per-position table needs for an input of `len` bytes: a position is
/// kept at its offset modulo the window, and an input shorter than the window has no more.
/// Most files of a site are small (2,927 of homeassistant's 3,762 gzipped files are under
/// 32 KiB), and zeroing full-size tables for each was 3.5 % of its cold audit.
fn positions_table_len(len: usize) -> usize {
    len.clamp(1, WINDOW)
}

/// 32,768 heads per chain kind: more did not pay for its cache misses on the apps corpus, fewer
/// made longer chains of collisions. An input of fewer positions gets one to two heads per
/// position, at least 2^[`LONGER_MIN_HASH_BITS`]: the bits only decide how many hash
/// collisions a walk meets, which its byte checks reject.
const LONGER_HASH_BITS: u32 = 15;
const LONGER_MIN_HASH_BITS: u32 = 8;
/// Key lengths of the chains beside zlib's, shortest first. Measured on the apps corpus and a
/// 31.7 MB `.wasm` against 4/8/16, 3/8/16 and 3/4/8/16, this set was fastest on both; with
/// [`TailWalk::find`], against 3/5/8 (as fast), 3/5 and 3/4 (faster on text by up to 8 %, but 7
/// and 11 times slower on random `a`/`b`, whose 5-byte keys take 32 values)
/// (`benches/zlib_model.rs`; benches/README.md, "gzip sizes without compressing").
const LONGER_KEYS: [usize; 3] = [3, 4, 8];

impl Longer {
    fn new(key_len: usize, len: usize) -> Self {
        let hash_bits =
            (usize::BITS - len.leading_zeros()).clamp(LONGER_MIN_HASH_BITS, LONGER_HASH_BITS);
        Longer {
            key_len,
            hash_bits,
            head: vec![0; 1 << hash_bits],
            prev: vec![0; positions_table_len(len)],
        }
    }

    /// The hash of the key that starts the 8 bytes `word` (read little-endian).
    #[inline(always)]
    fn hash_word(&self, word: u64) -> usize {
        // The key's bytes only (little-endian: the first `key_len` bytes are the low ones).
        let key = word & (u64::MAX >> (64 - 8 * self.key_len));
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.hash_bits)) as usize
    }

    #[inline(always)]
    fn hash(&self, data: &[u8], position: usize) -> usize {
        self.hash_word(u64::from_le_bytes(
            data[position..position + 8].try_into().unwrap(),
        ))
    }

    /// Inserts `position`, whose first 8 bytes are `word`.
    #[inline(always)]
    fn insert_word(&mut self, word: u64, position: usize) {
        let hash = self.hash_word(word);
        self.prev[position & WINDOW_MASK] = self.head[hash];
        self.head[hash] = position as u32;
    }
}

impl Chains {
    /// How many links into its 3-byte chain zlib's walk meets `position` (1: the chain's head
    /// when the search began), given the count `inserted` of that chain's hash at the search.
    #[inline(always)]
    fn rank(&self, inserted: u32, position: usize) -> usize {
        inserted.wrapping_sub(self.prev[position & WINDOW_MASK][1]) as usize
    }

    /// Chains for an input of `len` bytes.
    fn new(len: usize) -> Self {
        Chains {
            head: vec![[0; 2]; HASH_SIZE],
            prev: vec![[0; 2]; positions_table_len(len)],
            longer: LONGER_KEYS.map(|key_len| Longer::new(key_len, len)),
        }
    }

    #[inline(always)]
    fn insert(&mut self, data: &[u8], position: usize) -> usize {
        let hash = hash_at(data, position);
        let [previous, count] = self.head[hash];
        let count = count.wrapping_add(1);
        self.prev[position & WINDOW_MASK] = [previous, count];
        self.head[hash] = [position as u32, count];
        if position + 8 <= data.len() {
            // One read of the 8 bytes for every longer key.
            let word = u64::from_le_bytes(data[position..position + 8].try_into().unwrap());
            for level in &mut self.longer {
                level.insert_word(word, position);
            }
        }
        previous as usize
    }
}

/// zlib's `longest_match` from `strstart`, with the chain head `head` (a usable position):
/// the length found (at most `lookahead`), and where, if longer than `prev_length`.
#[inline(always)]
fn longest_match(
    data: &[u8],
    chains: &Chains,
    window_base: usize,
    strstart: usize,
    lookahead: usize,
    prev_length: usize,
    head: usize,
) -> (usize, Option<usize>) {
    if prev_length >= lookahead {
        // Nothing longer fits before the end; zlib clamps to the lookahead.
        return (lookahead, None);
    }
    let budget = if prev_length >= GOOD_MATCH {
        MAX_CHAIN >> 2
    } else {
        MAX_CHAIN
    };
    let nice = NICE_MATCH.min(lookahead);
    let max = MAX_MATCH.min(lookahead);
    let limit = strstart.saturating_sub(MAX_DIST).max(window_base);
    // `strstart` was inserted last, so zlib's first candidate (the chain's previous head) has
    // rank 1.
    let inserted = chains.head[hash_at(data, strstart)][1];
    let mut best_len = prev_length;
    let mut best_start = None;
    let mut scan_end = two_bytes(data, strstart + best_len - 1);

    if strstart + 8 > data.len() {
        // Too near the end for the longer chains (their keys read 8 bytes): zlib's own walk.
        return zlib_walk(
            data, chains, strstart, limit, head, max, nice, inserted, budget, best_len,
        );
    }
    // Nothing looked at yet: every position of the chains below `strstart` is a candidate.
    let mut candidate = strstart;
    // A winner shares at least `best_len + 1` bytes: walk the longest chain keyed by no more
    // than that, from its head, skipping what is not older than the last candidate that won
    // (those can only be hash collisions: a real one would have won earlier).
    // zlib looks at the chain's head even exactly `MAX_DIST` back (the caller checked it), and
    // at the links after it only while they are nearer than that.
    let in_reach = |c: usize| c > limit || c == head;
    let mut level: Option<usize> = None;
    loop {
        // Every match is at least 3 bytes long, and the shortest key is 3 bytes.
        let wanted = (best_len + 1).min(max);
        let chosen = chains
            .longer
            .iter()
            .rposition(|l| l.key_len <= wanted)
            .unwrap_or(0);
        let chain = &chains.longer[chosen];
        let key_len = chain.key_len;
        let mut next;
        if level == Some(chosen) {
            // Same chain: go on below the candidate that just won.
            next = chain.prev[candidate & WINDOW_MASK] as usize;
        } else if candidate < strstart && best_len >= key_len {
            // The candidate that just won shares this chain's key with `strstart`, so it is
            // in this very chain, and every link above it is a hash collision: go on below it.
            level = Some(chosen);
            next = chain.prev[candidate & WINDOW_MASK] as usize;
        } else {
            level = Some(chosen);
            next = chain.head[chain.hash(data, strstart)] as usize;
            while next >= candidate && in_reach(next) {
                next = chain.prev[next & WINDOW_MASK] as usize;
            }
        }
        // A real member of the 3-byte chain past zlib's budget ends the walk, since ranks only
        // grow along a chain; checked on every candidate that passes the byte checks, and every
        // `RANK_CHECK_INTERVAL` links otherwise, so the walk never runs far past the budget.
        let past_budget =
            |c: usize| same_key(data, strstart, c, key_len) && chains.rank(inserted, c) > budget;
        // When more bytes are wanted than this chain's key holds, the positions that share the
        // last `key_len` of them are fewer than those that share the first (see `TailWalk::find`).
        // A candidate `c` is in that chain as `c + offset`, which is inserted only if it is
        // not past `strstart`: the nearer candidates are walked here first, in this chain.
        // (A key is hashed from the 8 bytes where it starts, so those must be in the input.)
        let offset = if wanted > key_len && strstart + wanted - key_len + 8 <= data.len() {
            wanted - key_len
        } else {
            0
        };
        let near_end = strstart - offset;
        // The next winner and its length.
        let mut found = None;
        let mut steps = 0usize;
        while in_reach(next) {
            let c = next;
            if c <= near_end && offset > 0 {
                break;
            }
            steps += 1;
            if two_bytes(data, c + best_len - 1) == scan_end && same_key(data, strstart, c, key_len)
            {
                if chains.rank(inserted, c) > budget {
                    break;
                }
                let len = MIN_MATCH
                    + common_prefix(data, strstart + MIN_MATCH, c + MIN_MATCH, max - MIN_MATCH);
                if len > best_len {
                    found = Some((c, len));
                    break;
                }
            } else if steps.is_multiple_of(RANK_CHECK_INTERVAL) && past_budget(c) {
                break;
            }
            next = chain.prev[c & WINDOW_MASK] as usize;
        }
        if found.is_none() && offset > 0 && in_reach(next) {
            // Below `near_end`: through the chain of the key `offset` bytes in.
            let below = candidate.min(near_end + 1);
            let walk = TailWalk {
                strstart,
                offset,
                below,
                best_len,
                max,
                inserted,
                budget,
            };
            found = walk.find(data, chains, chain, in_reach);
        }
        let Some((c, len)) = found else {
            return (best_len.min(lookahead), best_start);
        };
        best_start = Some(c);
        best_len = len;
        if len >= nice {
            return (best_len.min(lookahead), best_start);
        }
        scan_end = two_bytes(data, strstart + best_len - 1);
        candidate = c;
    }
}

/// A search [`TailWalk::find`] goes on with: a match longer than `best_len` from `strstart`, at
/// a position below `below`, through the positions that share the key `offset` bytes in.
struct TailWalk {
    strstart: usize,
    offset: usize,
    below: usize,
    best_len: usize,
    max: usize,
    inserted: u32,
    budget: usize,
}

impl TailWalk {
    /// The newest position below `below` whose match with `strstart` is longer than `best_len` and
    /// that zlib's walk reaches, with that length; `None` if there is none.
    ///
    /// Every such position `c` shares the `key_len` bytes from `offset` with `strstart` (`offset +
    /// key_len` is the `best_len + 1` bytes it must share), so `c + offset` is in `chain` under
    /// that key. A chain is in the same order as zlib's (newest first), so the first position found
    /// that matches longer is the one zlib finds, and the budget ends the walk the same way: ranks
    /// grow along zlib's chain. Why: a string whose start is common in the input (a keyword, a
    /// frequent call) has a long chain of positions that part from it later, mostly at its last
    /// bytes, which zlib and the walk of the first bytes' chain reject one by one. The chain of the
    /// last bytes holds the positions that agree there; on the apps corpus and the npm builds
    /// (412.8 MB) this took the model from 11.8 to 9.5 s (benches/README.md, "gzip sizes without
    /// compressing").
    fn find(
        &self,
        data: &[u8],
        chains: &Chains,
        chain: &Longer,
        in_reach: impl Fn(usize) -> bool,
    ) -> Option<(usize, usize)> {
        let (strstart, offset) = (self.strstart, self.offset);
        let key_at = strstart + offset;
        let mut next = chain.head[chain.hash(data, key_at)] as usize;
        // Positions at or above `below + offset` stand for candidates already looked at.
        while next >= self.below + offset {
            if !in_reach(next - offset) {
                return None;
            }
            next = chain.prev[next & WINDOW_MASK] as usize;
        }
        let past_budget = |c: usize| chains.rank(self.inserted, c) > self.budget;
        let mut steps = 0usize;
        while next >= offset && in_reach(next - offset) {
            let c = next - offset;
            steps += 1;
            let starts_alike = same_key(data, strstart, c, MIN_MATCH);
            if starts_alike && same_key(data, key_at, next, chain.key_len) {
                if past_budget(c) {
                    return None;
                }
                let len = MIN_MATCH
                    + common_prefix(
                        data,
                        strstart + MIN_MATCH,
                        c + MIN_MATCH,
                        self.max - MIN_MATCH,
                    );
                if len > self.best_len {
                    return Some((c, len));
                }
            } else if steps.is_multiple_of(RANK_CHECK_INTERVAL) && starts_alike && past_budget(c) {
                return None;
            }
            next = chain.prev[next & WINDOW_MASK] as usize;
        }
        None
    }
}

/// How many links a walk of a longer chain may take between checks of zlib's budget.
const RANK_CHECK_INTERVAL: usize = 64;

/// Whether the first `key_len` (at most 8) bytes at `a` and `b` are equal; both need 8 bytes.
#[inline(always)]
fn same_key(data: &[u8], a: usize, b: usize, key_len: usize) -> bool {
    let word = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().unwrap());
    let differ = word(a) ^ word(b);
    differ.trailing_zeros() as usize >= 8 * key_len
}

/// zlib's own walk of its 3-byte chain from `head`, within its budget: for the last bytes of
/// the input, where the longer chains do not reach.
#[allow(clippy::too_many_arguments)]
fn zlib_walk(
    data: &[u8],
    chains: &Chains,
    strstart: usize,
    limit: usize,
    head: usize,
    max: usize,
    nice: usize,
    inserted: u32,
    budget: usize,
    mut best_len: usize,
) -> (usize, Option<usize>) {
    let mut best_start = None;
    let mut scan_end = two_bytes(data, strstart + best_len - 1);
    let scan_start = two_bytes(data, strstart);
    let mut candidate = head;
    while candidate > limit || candidate == head {
        let rank = chains.rank(inserted, candidate);
        if rank > budget {
            break;
        }
        if two_bytes(data, candidate + best_len - 1) == scan_end
            && two_bytes(data, candidate) == scan_start
        {
            let len = MIN_MATCH
                + common_prefix(
                    data,
                    strstart + MIN_MATCH,
                    candidate + MIN_MATCH,
                    max - MIN_MATCH,
                );
            if len > best_len {
                best_start = Some(candidate);
                best_len = len;
                if len >= nice {
                    break;
                }
                scan_end = two_bytes(data, strstart + best_len - 1);
            }
        }
        candidate = chains.prev[candidate & WINDOW_MASK][0] as usize;
    }
    // `max` is the lookahead when that is shorter than a longest match.
    (best_len.min(max), best_start)
}

/// The exact size of `data` as gzip the way [`super::compress::gzip_size`] makes it (C zlib,
/// level 9, window 15, memLevel 8, default strategy, no file name), without compressing it.
pub fn gzip_size(data: &[u8]) -> Result<u64, NotDerivable> {
    if data.len() > MAX_BYTES {
        return Err(NotDerivable("too large for 32-bit positions"));
    }
    let mut cost = StreamCost::new();
    cost.window_base = Some(0);
    parse(data, 0, CHUNK, &mut cost)?;
    cost.finish()
}

/// zlib's symbols for `data[start..]` (positions in `data`) when it is given the 32 KiB before
/// `start` as its dictionary and all of the rest at once: what `parallel_gzip` compressed and
/// read back from each piece, without compressing it.
pub(super) fn piece_symbols(
    data: &[u8],
    start: usize,
    max_symbols: usize,
) -> Result<Vec<u32>, NotDerivable> {
    struct Packed {
        symbols: Vec<u32>,
        max: usize,
    }
    impl Symbols for Packed {
        fn symbol(&mut self, symbol: Symbol) -> Result<(), NotDerivable> {
            if self.symbols.len() == self.max {
                return Err(NotDerivable("too many symbols to hold"));
            }
            self.symbols.push(symbol.pack());
            Ok(())
        }
        fn last_literal(&mut self, symbol: Symbol) {
            if self.symbols.len() < self.max {
                self.symbols.push(symbol.pack());
            }
        }
        fn window_base(&mut self, _: usize) {}
    }
    if data.len() > MAX_BYTES {
        return Err(NotDerivable("too large for 32-bit positions"));
    }
    let mut packed = Packed {
        symbols: Vec::with_capacity((data.len() - start) / 4),
        max: max_symbols,
    };
    parse(data, start, usize::MAX, &mut packed)?;
    if packed.symbols.len() == max_symbols {
        return Err(NotDerivable("too many symbols to hold"));
    }
    Ok(packed.symbols)
}

/// Where the symbols of zlib's parse go, with where its window stands when each block ends.
pub(super) trait Symbols {
    fn symbol(&mut self, symbol: Symbol) -> Result<(), NotDerivable>;
    /// The literal zlib still holds when the input ends: it never flushes a block.
    fn last_literal(&mut self, symbol: Symbol);
    fn window_base(&mut self, base: usize);
}

impl Symbols for StreamCost {
    fn symbol(&mut self, symbol: Symbol) -> Result<(), NotDerivable> {
        self.push(symbol)
    }
    fn last_literal(&mut self, symbol: Symbol) {
        self.push_unflushed(symbol)
    }
    fn window_base(&mut self, base: usize) {
        self.window_base = Some(base);
    }
}

/// zlib's `deflate_slow` over `data[start..]`, handed to it `chunk` bytes at a time, after the
/// (up to) 32 KiB before `start` were set as its dictionary.
fn parse<S: Symbols>(
    data: &[u8],
    start: usize,
    chunk: usize,
    cost: &mut S,
) -> Result<(), NotDerivable> {
    let mut chains = Chains::new(data.len());
    // `deflateSetDictionary` puts the dictionary at window offset 0 and inserts every position
    // of it (the last two once the input's first bytes arrive).
    let dictionary = start.saturating_sub(WINDOW);
    for position in dictionary..start.min(data.len().saturating_sub(MIN_MATCH - 1)) {
        chains.insert(data, position);
    }
    let mut window = Window::new(data.len(), dictionary, start, chunk);

    let mut strstart = start;
    let mut match_length = MIN_MATCH - 1;
    let mut match_start = 0usize;
    let mut match_available = false;
    loop {
        if window.end - strstart < MIN_LOOKAHEAD {
            window.ensure_lookahead(strstart);
            cost.window_base(window.base);
            if window.end == strstart {
                break;
            }
        }
        let lookahead = window.end - strstart;
        // zlib's window offset 0 (and anything slid out of the window) reads as "none".
        let mut hash_head = None;
        if lookahead >= MIN_MATCH {
            let head = chains.insert(data, strstart);
            if head > window.base {
                hash_head = Some(head);
            }
        }
        let prev_length = match_length;
        let prev_match = match_start;
        match_length = MIN_MATCH - 1;
        if let Some(head) = hash_head
            && prev_length < MAX_LAZY_MATCH
            && strstart - head <= MAX_DIST
        {
            let (length, start) = longest_match(
                data,
                &chains,
                window.base,
                strstart,
                lookahead,
                prev_length,
                head,
            );
            match_length = length;
            if let Some(start) = start {
                match_start = start;
            }
            if match_length == MIN_MATCH && strstart - match_start > TOO_FAR {
                match_length = MIN_MATCH - 1;
            }
        }
        if prev_length >= MIN_MATCH && match_length <= prev_length {
            let max_insert = strstart + lookahead - MIN_MATCH;
            cost.symbol(Symbol::Match {
                length: prev_length as u16,
                distance: (strstart - 1 - prev_match) as u16,
            })?;
            // zlib inserted strstart - 1 and strstart already; the rest of the match now.
            let next = strstart - 1 + prev_length;
            for position in strstart + 1..next.min(max_insert + 1) {
                chains.insert(data, position);
            }
            strstart = next;
            match_available = false;
            match_length = MIN_MATCH - 1;
        } else if match_available {
            cost.symbol(Symbol::Literal(data[strstart - 1]))?;
            strstart += 1;
        } else {
            match_available = true;
            strstart += 1;
        }
    }
    if match_available {
        cost.last_literal(Symbol::Literal(data[strstart - 1]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zlib(data: &[u8]) -> u64 {
        super::super::compress::gzip_size(data).unwrap()
    }

    use super::super::parallel_gzip::tests::{real_bundle, text};

    fn noise(bytes: usize, seed: u64) -> Vec<u8> {
        let mut state = seed;
        (0..bytes)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    }

    #[test]
    fn small_and_edge_inputs_equal_zlib() {
        for data in [
            Vec::new(),
            b"a".to_vec(),
            b"ab".to_vec(),
            b"abc".to_vec(),
            b"abcabcabc".to_vec(),
            vec![0u8; 1000],
            vec![7u8; 300_000],
        ] {
            assert_eq!(gzip_size(&data), Ok(zlib(&data)), "{} bytes", data.len());
        }
    }

    #[test]
    fn text_of_many_sizes_equals_zlib() {
        // Sizes around the window, the chunk and the block boundaries.
        for (index, size) in [
            100, 65_000, 65_536, 65_537, 98_304, 262_143, 262_144, 262_145, 700_001, 1_300_000,
        ]
        .into_iter()
        .enumerate()
        {
            let data = text(size, index as u64 + 1);
            assert_eq!(gzip_size(&data), Ok(zlib(&data)), "{size} bytes");
            assert!(symbols(&data) == super::super::parallel_gzip::symbols_of_zlib(&data));
        }
    }

    #[test]
    fn incompressible_input_stores_blocks_as_zlib_does() {
        // Noise makes zlib store blocks: only those whose start is still in its window.
        for (size, seed) in [(10_000, 1), (100_000, 2), (600_000, 3)] {
            let data = noise(size, seed);
            assert_eq!(gzip_size(&data), Ok(zlib(&data)), "{size} bytes");
        }
        // Text and noise mixed, so stored and compressed blocks alternate.
        let mut data = Vec::new();
        for seed in 1..6 {
            data.extend(text(150_000, seed));
            data.extend(noise(90_000, seed));
        }
        assert_eq!(gzip_size(&data), Ok(zlib(&data)));
    }

    #[test]
    fn a_head_exactly_max_dist_back_is_looked_at() {
        // zlib examines the head of a chain even at exactly `MAX_DIST`, but no later link there.
        // A 3-byte match pending at `at - 1` makes the search at `at` need 4 bytes or more.
        let long = b"0123456789abcdefghijKLMNOP";
        for seed in 1..9 {
            // Sixteen letters at random: compressed, never stored, with no digits.
            let mut data: Vec<u8> = noise(120_000, seed).iter().map(|b| b'a' + b % 16).collect();
            let first = 40_000;
            let at = first + MAX_DIST;
            data[first..first + long.len()].copy_from_slice(long);
            data[at..at + long.len()].copy_from_slice(long);
            let pending = [data[at - 1], long[0], long[1]];
            data[at - 100..at - 97].copy_from_slice(&pending);
            // Symbol by symbol: a different parse can round to the same number of bytes.
            assert_eq!(
                symbols(&data),
                super::super::parallel_gzip::symbols_of_zlib(&data)
            );
            assert_eq!(gzip_size(&data), Ok(zlib(&data)), "seed {seed}");
        }
    }

    #[test]
    fn strings_that_part_late_equal_zlib() {
        // Long common starts that part at varied depths (the searches that go through the
        // chain of their last bytes), short periods (candidates nearer than the key's offset),
        // and such strings up to the very end of the input.
        let mut data = Vec::new();
        for i in 0..30_000u64 {
            let line = format!(
                "{{\"component\":\"widget-{}\",\"value\":{},\"tail\":\"{}\"}}\n",
                i % 97,
                (i * 7919) % 1000,
                "xyz".repeat((i % 13) as usize)
            );
            data.extend(line.as_bytes());
            if i % 500 == 0 {
                let period = 1 + (i / 500 % 9) as usize;
                data.extend((0..300).map(|k| b'a' + (k % period) as u8));
                data.extend(noise(40, i));
            }
        }
        // Two and three letters at random: long matches everywhere, with older candidates
        // nearer than the key's offset that beat newer ones.
        for (letters, seed) in [(2, 11), (3, 12)] {
            let small: Vec<u8> = noise(150_000, seed)
                .iter()
                .map(|b| b'a' + b % letters)
                .collect();
            assert!(
                symbols(&small) == super::super::parallel_gzip::symbols_of_zlib(&small),
                "{letters} letters"
            );
        }
        for cut in [data.len(), data.len() - 3, data.len() - 17] {
            let data = &data[..cut];
            assert!(
                symbols(data) == super::super::parallel_gzip::symbols_of_zlib(data),
                "{cut} bytes"
            );
            assert_eq!(gzip_size(data), Ok(zlib(data)), "{cut} bytes");
        }
    }

    #[test]
    fn a_winner_exactly_the_tail_keys_offset_back_equals_zlib() {
        // The search from `strstart` starts from the match found one position earlier (8 bytes,
        // from the far run of eight `a`s), so it wants 9 bytes, 1 more than the 8-byte key holds:
        // the candidate exactly 1 back (the start of the run of ten) has its key at `strstart`
        // itself, the last position inserted, and zlib takes it (9 bytes at distance 1).
        let mut data = b"0123456789ABCDEFGHIJ".to_vec();
        data.extend(b"aaaaaaaab");
        data.extend(b"klmnopqrstuvwxyz");
        data.extend(b"Kaaaaaaaaaa");
        data.extend(b"Z, then room for the longer chains' keys.");
        assert_eq!(
            symbols(&data),
            super::super::parallel_gzip::symbols_of_zlib(&data)
        );
        assert_eq!(gzip_size(&data), Ok(zlib(&data)));
    }

    struct Record(Vec<Symbol>);

    impl Symbols for Record {
        fn symbol(&mut self, symbol: Symbol) -> Result<(), NotDerivable> {
            self.0.push(symbol);
            Ok(())
        }
        fn last_literal(&mut self, symbol: Symbol) {
            self.0.push(symbol);
        }
        fn window_base(&mut self, _: usize) {}
    }

    fn symbols(data: &[u8]) -> Vec<Symbol> {
        let mut record = Record(Vec::new());
        parse(data, 0, CHUNK, &mut record).unwrap();
        record.0
    }

    /// The first symbol where the model and zlib part, for debugging a mismatch:
    /// `ZLIB_MODEL_FILE=path cargo test --lib first_difference -- --ignored`.
    #[test]
    #[ignore]
    fn first_difference() {
        let path = std::env::var("ZLIB_MODEL_FILE").unwrap();
        let data = std::fs::read(path).unwrap();
        let model = symbols(&data);
        let zlib = super::super::parallel_gzip::symbols_of_zlib(&data);
        let mut position = 0;
        for (index, (a, b)) in model.iter().zip(&zlib).enumerate() {
            if a != b {
                let end = (index + 3).min(model.len()).min(zlib.len());
                panic!(
                    "symbol {index} at {position}: model {:?}, zlib {:?}",
                    &model[index..end],
                    &zlib[index..end]
                );
            }
            position += a.span();
        }
        assert_eq!(model.len(), zlib.len());
    }

    #[test]
    fn a_real_bundle_equals_zlib() {
        let data = real_bundle();
        assert_eq!(gzip_size(&data), Ok(zlib(&data)));
        assert!(symbols(&data) == super::super::parallel_gzip::symbols_of_zlib(&data));
    }
}
