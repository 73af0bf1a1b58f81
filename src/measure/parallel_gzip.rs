//! The exact gzip size of one large file, computed on several cores.
//!
//! zlib at level 9 is sequential: one 31.7 MB `.wasm` takes 2.3 s on one core and decides the
//! wall time of a whole audit. Splitting the file and compressing the pieces independently (as
//! pigz does) gives a different, slightly larger stream. This module gets the size of the
//! *sequential* stream, to the byte, from pieces compressed in parallel, by relying on what
//! makes zlib's output a pure function of its input:
//!
//! * **The parse.** At level 9 zlib (`deflate_slow`) inserts every position into its hash
//!   chains, and the match it picks at a position depends only on the bytes of the previous
//!   32 KiB and on the lazy-match state. Right after it emits a match, that state is always the
//!   same (`match_available = 0`, `match_length = 2`), and it is the state a fresh stream
//!   starts in. So a piece compressed from offset `b` with the preceding 32 KiB as its
//!   dictionary (`deflateSetDictionary`) makes the same choices as the sequential run from the
//!   first position after `b` where *both* have just emitted a match. Each piece is compressed
//!   by zlib itself, a little past its end, and decoded back to its matches and literals; the
//!   sequential parse is the first piece's up to the first such common point, then the next
//!   piece's, and so on.
//! * **The blocks.** zlib ends a block every 16,383 symbols (`lit_bufsize - 1` at memLevel 8)
//!   and at the end of the input, and writes each as stored, fixed-Huffman or dynamic-Huffman,
//!   whichever its own cost model (`_tr_flush_block`, `build_tree`, `gen_bitlen`,
//!   `build_bl_tree`) says is smallest. That model is reproduced below, tie-breaks included, so
//!   the size of every block of the sequential stream is known without writing it.
//!
//! Two of zlib's choices depend on where its sliding window stands, which this method cannot
//! know; the size is then not computed here (`None`) and the caller compresses sequentially:
//! a hash-chain head exactly `MAX_DIST` behind at a window-slide boundary (zlib reads window
//! offset 0 as "no match"), and a block that would be stored (left uncompressed) while it spans
//! more than `MAX_DIST` bytes (zlib can store a block only while its start is in the window).
//! A piece whose own output contains a stored block, or that never meets the sequential parse
//! within its overlap, also gives `None`. The tests check the result against zlib's own
//! sequential output on real files.

#[cfg(test)]
use flate2::{Compress, Compression, FlushCompress, Status};

/// zlib's window (`w_size` for windowBits 15).
const WINDOW: usize = 32 * 1024;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// zlib's `MIN_LOOKAHEAD`: below this much input left, zlib's choices depend on the end.
const MIN_LOOKAHEAD: usize = MAX_MATCH + MIN_MATCH + 1;
/// zlib's `MAX_DIST`: the farthest back a match may start.
const MAX_DIST: usize = WINDOW - MIN_LOOKAHEAD;
/// Symbols per block: `lit_bufsize - 1` with memLevel 8.
const SYMBOLS_PER_BLOCK: usize = (1 << (8 + 6)) - 1;
/// How far past its end each piece is compressed, for the next piece to meet it. Parses of
/// real text and binaries meet within a few hundred bytes; when they do not, the size is
/// computed sequentially.
pub const OVERLAP: usize = 256 * 1024;
/// gzip header (10 bytes, no file name) and trailer (CRC-32 and length).
const GZIP_FRAMING: u64 = 10 + 8;

const LITERALS: usize = 256;
const END_BLOCK: usize = 256;
const LENGTH_CODES: usize = 29;
const L_CODES: usize = LITERALS + 1 + LENGTH_CODES;
const D_CODES: usize = 30;
const BL_CODES: usize = 19;
const HEAP_SIZE: usize = 2 * L_CODES + 1;
const MAX_BITS: usize = 15;
const MAX_BL_BITS: usize = 7;
const REP_3_6: usize = 16;
const REPZ_3_10: usize = 17;
const REPZ_11_138: usize = 18;

const EXTRA_LBITS: [u32; LENGTH_CODES] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const BASE_LENGTH: [usize; LENGTH_CODES] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const EXTRA_DBITS: [u32; D_CODES] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
const BASE_DIST: [usize; D_CODES] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const EXTRA_BLBITS: [u32; BL_CODES] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
const BL_ORDER: [usize; BL_CODES] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// The length code (0-based, 0..29) of a match length 3..=258.
fn length_code(length: usize) -> usize {
    // zlib maps 258 to the last code even though 227 + 31 would also cover it.
    if length == MAX_MATCH {
        return LENGTH_CODES - 1;
    }
    BASE_LENGTH[..LENGTH_CODES - 1].partition_point(|&base| base <= length) - 1
}

/// The distance code (0..30) of a distance 1..=32768.
fn distance_code(distance: usize) -> usize {
    BASE_DIST.partition_point(|&base| base <= distance) - 1
}

/// The static Huffman code lengths of zlib's `static_ltree` and `static_dtree`.
fn static_literal_length(symbol: usize) -> u32 {
    match symbol {
        0..=143 => 8,
        144..=255 => 9,
        256..=279 => 7,
        _ => 8,
    }
}

/// One symbol of a deflate stream, at a position of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Symbol {
    Literal(u8),
    Match { length: u16, distance: u16 },
}

impl Symbol {
    /// Four bytes per symbol: a literal's byte, or bit 31 set with the length in bits 16–24
    /// and the distance (at most 32,768) in bits 0–15.
    pub(super) fn pack(self) -> u32 {
        match self {
            Symbol::Literal(byte) => byte as u32,
            Symbol::Match { length, distance } => 1 << 31 | (length as u32) << 16 | distance as u32,
        }
    }

    fn unpack(packed: u32) -> Symbol {
        if packed & (1 << 31) == 0 {
            Symbol::Literal(packed as u8)
        } else {
            Symbol::Match {
                length: ((packed >> 16) & 0x1ff) as u16,
                distance: packed as u16,
            }
        }
    }

    pub(super) fn span(self) -> usize {
        match self {
            Symbol::Literal(_) => 1,
            Symbol::Match { length, .. } => length as usize,
        }
    }
}

/// zlib's tree-building state for one block: the frequencies of the three trees and the cost
/// accumulators, as in `deflate_state`.
struct TreeState {
    literal_freq: [u32; HEAP_SIZE],
    distance_freq: [u32; 2 * D_CODES + 1],
    bl_freq: [u32; 2 * BL_CODES + 1],
    literal_len: [u16; HEAP_SIZE],
    distance_len: [u16; 2 * D_CODES + 1],
    bl_len: [u16; 2 * BL_CODES + 1],
    heap: [usize; HEAP_SIZE],
    depth: [u8; HEAP_SIZE],
    bl_count: [u32; MAX_BITS + 1],
    opt_len: u64,
    static_len: u64,
}

/// Which of zlib's trees a `build_tree` call works on.
#[derive(Clone, Copy)]
enum Tree {
    Literal,
    Distance,
    BitLength,
}

impl TreeState {
    fn new() -> Self {
        let mut state = TreeState {
            literal_freq: [0; HEAP_SIZE],
            distance_freq: [0; 2 * D_CODES + 1],
            bl_freq: [0; 2 * BL_CODES + 1],
            literal_len: [0; HEAP_SIZE],
            distance_len: [0; 2 * D_CODES + 1],
            bl_len: [0; 2 * BL_CODES + 1],
            heap: [0; HEAP_SIZE],
            depth: [0; HEAP_SIZE],
            bl_count: [0; MAX_BITS + 1],
            opt_len: 0,
            static_len: 0,
        };
        state.init_block();
        state
    }

    /// zlib's `init_block`.
    fn init_block(&mut self) {
        self.literal_freq[..L_CODES].fill(0);
        self.distance_freq[..D_CODES].fill(0);
        self.bl_freq[..BL_CODES].fill(0);
        self.literal_freq[END_BLOCK] = 1;
        self.opt_len = 0;
        self.static_len = 0;
    }

    fn tally(&mut self, symbol: Symbol) {
        match symbol {
            Symbol::Literal(byte) => self.literal_freq[byte as usize] += 1,
            Symbol::Match { length, distance } => {
                self.literal_freq[LITERALS + 1 + length_code(length as usize)] += 1;
                self.distance_freq[distance_code(distance as usize)] += 1;
            }
        }
    }

    fn parts(&mut self, tree: Tree) -> (&mut [u32], &mut [u16]) {
        match tree {
            Tree::Literal => (&mut self.literal_freq[..], &mut self.literal_len[..]),
            Tree::Distance => (&mut self.distance_freq[..], &mut self.distance_len[..]),
            Tree::BitLength => (&mut self.bl_freq[..], &mut self.bl_len[..]),
        }
    }

    /// zlib's `smaller`: by frequency, then by depth.
    fn smaller(freq: &[u32], depth: &[u8], n: usize, m: usize) -> bool {
        freq[n] < freq[m] || (freq[n] == freq[m] && depth[n] <= depth[m])
    }

    /// zlib's `pqdownheap`.
    fn down_heap(heap: &mut [usize], heap_len: usize, freq: &[u32], depth: &[u8], mut k: usize) {
        let v = heap[k];
        let mut j = k << 1;
        while j <= heap_len {
            if j < heap_len && Self::smaller(freq, depth, heap[j + 1], heap[j]) {
                j += 1;
            }
            if Self::smaller(freq, depth, v, heap[j]) {
                break;
            }
            heap[k] = heap[j];
            k = j;
            j <<= 1;
        }
        heap[k] = v;
    }

    /// zlib's `build_tree` followed by `gen_bitlen`: the code lengths of `tree`, adding its
    /// cost to `opt_len` (and to `static_len` for the literal and distance trees). Returns
    /// `max_code`.
    fn build_tree(&mut self, tree: Tree) -> usize {
        let (elems, max_length, extra, extra_base): (usize, usize, &[u32], usize) = match tree {
            Tree::Literal => (L_CODES, MAX_BITS, &EXTRA_LBITS, LITERALS + 1),
            Tree::Distance => (D_CODES, MAX_BITS, &EXTRA_DBITS, 0),
            Tree::BitLength => (BL_CODES, MAX_BL_BITS, &EXTRA_BLBITS, 0),
        };
        let static_length = |n: usize| -> Option<u64> {
            match tree {
                Tree::Literal => Some(static_literal_length(n) as u64),
                Tree::Distance => Some(5),
                Tree::BitLength => None,
            }
        };
        let mut heap = self.heap;
        let mut depth = self.depth;
        let mut opt_len = self.opt_len;
        let mut static_len = self.static_len;
        let mut dad = [0usize; HEAP_SIZE];
        let (freq, len) = self.parts(tree);

        let mut heap_len = 0;
        let mut heap_max = HEAP_SIZE;
        let mut max_code: isize = -1;
        for n in 0..elems {
            if freq[n] != 0 {
                heap_len += 1;
                heap[heap_len] = n;
                max_code = n as isize;
                depth[n] = 0;
            } else {
                len[n] = 0;
            }
        }
        // The pkzip format needs at least one distance code and at least two codes of some
        // kind: zlib adds codes of frequency 1 (and takes their cost back out).
        while heap_len < 2 {
            let node = if max_code < 2 {
                max_code += 1;
                max_code as usize
            } else {
                0
            };
            heap_len += 1;
            heap[heap_len] = node;
            freq[node] = 1;
            depth[node] = 0;
            opt_len = opt_len.wrapping_sub(1);
            if let Some(length) = static_length(node) {
                static_len = static_len.wrapping_sub(length);
            }
        }
        let max_code = max_code as usize;
        for n in (1..=heap_len / 2).rev() {
            Self::down_heap(&mut heap, heap_len, freq, &depth, n);
        }
        let mut node = elems;
        loop {
            let n = heap[1];
            heap[1] = heap[heap_len];
            heap_len -= 1;
            Self::down_heap(&mut heap, heap_len, freq, &depth, 1);
            let m = heap[1];
            heap_max -= 1;
            heap[heap_max] = n;
            heap_max -= 1;
            heap[heap_max] = m;
            freq[node] = freq[n] + freq[m];
            depth[node] = depth[n].max(depth[m]) + 1;
            dad[n] = node;
            dad[m] = node;
            heap[1] = node;
            node += 1;
            Self::down_heap(&mut heap, heap_len, freq, &depth, 1);
            if heap_len < 2 {
                break;
            }
        }
        heap_max -= 1;
        heap[heap_max] = heap[1];

        // gen_bitlen
        let mut bl_count = [0u32; MAX_BITS + 1];
        len[heap[heap_max]] = 0;
        let mut overflow: i64 = 0;
        let mut h = heap_max + 1;
        while h < HEAP_SIZE {
            let n = heap[h];
            let mut bits = len[dad[n]] as usize + 1;
            if bits > max_length {
                bits = max_length;
                overflow += 1;
            }
            len[n] = bits as u16;
            h += 1;
            if n > max_code {
                continue;
            }
            bl_count[bits] += 1;
            let xbits = if n >= extra_base {
                extra[n - extra_base]
            } else {
                0
            };
            let f = freq[n] as u64;
            opt_len = opt_len.wrapping_add(f * (bits as u64 + xbits as u64));
            if let Some(length) = static_length(n) {
                static_len = static_len.wrapping_add(f * (length + xbits as u64));
            }
        }
        if overflow > 0 {
            loop {
                let mut bits = max_length - 1;
                while bl_count[bits] == 0 {
                    bits -= 1;
                }
                bl_count[bits] -= 1;
                bl_count[bits + 1] += 2;
                bl_count[max_length] -= 1;
                overflow -= 2;
                if overflow <= 0 {
                    break;
                }
            }
            let mut h = HEAP_SIZE;
            for bits in (1..=max_length).rev() {
                let mut n = bl_count[bits];
                while n != 0 {
                    h -= 1;
                    let m = heap[h];
                    if m > max_code {
                        continue;
                    }
                    if len[m] as usize != bits {
                        opt_len = opt_len.wrapping_add(
                            (bits as u64)
                                .wrapping_sub(len[m] as u64)
                                .wrapping_mul(freq[m] as u64),
                        );
                        len[m] = bits as u16;
                    }
                    n -= 1;
                }
            }
        }
        self.heap = heap;
        self.depth = depth;
        self.bl_count = bl_count;
        self.opt_len = opt_len;
        self.static_len = static_len;
        max_code
    }

    /// zlib's `scan_tree`: counts the bit-length codes that will describe `tree`.
    fn scan_tree(&mut self, tree: Tree, max_code: usize) {
        let lengths: Vec<u16> = {
            let (_, len) = self.parts(tree);
            let mut lengths = len[..=max_code].to_vec();
            lengths.push(0xffff); // zlib's guard
            lengths
        };
        let mut prevlen: i32 = -1;
        let mut nextlen = lengths[0] as i32;
        let mut count: u32 = 0;
        let (mut max_count, mut min_count) = if nextlen == 0 { (138, 3) } else { (7, 4) };
        for n in 0..=max_code {
            let curlen = nextlen;
            nextlen = lengths[n + 1] as i32;
            count += 1;
            if count < max_count && curlen == nextlen {
                continue;
            } else if count < min_count {
                self.bl_freq[curlen as usize] += count;
            } else if curlen != 0 {
                if curlen != prevlen {
                    self.bl_freq[curlen as usize] += 1;
                }
                self.bl_freq[REP_3_6] += 1;
            } else if count <= 10 {
                self.bl_freq[REPZ_3_10] += 1;
            } else {
                self.bl_freq[REPZ_11_138] += 1;
            }
            count = 0;
            prevlen = curlen;
            (max_count, min_count) = if nextlen == 0 {
                (138, 3)
            } else if curlen == nextlen {
                (6, 3)
            } else {
                (7, 4)
            };
        }
    }

    /// The cost in bits of the block tallied so far as zlib's `_tr_flush_block` writes it,
    /// and whether zlib would store it (write it uncompressed).
    /// `can_store`: whether the block's bytes are still in zlib's window (its `buf` is not
    /// null); when they are not, zlib falls back to the cheaper Huffman form.
    fn block_cost(&mut self, stored_len: usize, can_store: bool) -> BlockCost {
        let literal_max = self.build_tree(Tree::Literal);
        let distance_max = self.build_tree(Tree::Distance);
        self.scan_tree(Tree::Literal, literal_max);
        self.scan_tree(Tree::Distance, distance_max);
        self.build_tree(Tree::BitLength);
        let mut max_blindex = BL_CODES - 1;
        while max_blindex >= 3 && self.bl_len[BL_ORDER[max_blindex]] == 0 {
            max_blindex -= 1;
        }
        self.opt_len += 3 * (max_blindex as u64 + 1) + 5 + 5 + 4;
        let mut opt_lenb = (self.opt_len + 3 + 7) >> 3;
        let static_lenb = (self.static_len + 3 + 7) >> 3;
        if static_lenb <= opt_lenb {
            opt_lenb = static_lenb;
        }
        let cost = if stored_len as u64 + 4 <= opt_lenb && can_store {
            BlockCost::Stored
        } else if static_lenb == opt_lenb {
            BlockCost::Bits(3 + self.static_len)
        } else {
            BlockCost::Bits(3 + self.opt_len)
        };
        self.init_block();
        cost
    }
}

enum BlockCost {
    /// Written with Huffman codes: this many bits.
    Bits(u64),
    /// Written uncompressed.
    Stored,
}

/// Adds up the blocks of the sequential stream as its symbols arrive.
pub(super) struct StreamCost {
    trees: Box<TreeState>,
    symbols_in_block: usize,
    block_start: usize,
    position: usize,
    bits: u64,
    /// Where zlib's window offset 0 stands, when the caller follows zlib's window (the
    /// sequential model does, the pieces do not): a block may be stored only while its start
    /// is in the window.
    pub(super) window_base: Option<usize>,
}

/// The sequential size cannot be derived here; compress sequentially.
#[derive(Debug, PartialEq, Eq)]
pub struct NotDerivable(pub &'static str);

impl StreamCost {
    pub(super) fn new() -> Self {
        StreamCost {
            trees: Box::new(TreeState::new()),
            symbols_in_block: 0,
            block_start: 0,
            position: 0,
            bits: 0,
            window_base: None,
        }
    }

    /// Tallies a symbol; a block that just filled up is flushed (`_tr_tally` then
    /// `FLUSH_BLOCK`).
    pub(super) fn push(&mut self, symbol: Symbol) -> Result<(), NotDerivable> {
        self.push_unflushed(symbol);
        if self.symbols_in_block >= SYMBOLS_PER_BLOCK {
            self.flush()?;
        }
        Ok(())
    }

    /// Tallies a symbol without flushing a full block: the literal `deflate_slow` still holds
    /// when the input ends is tallied so, and goes into the final block even if it fills it.
    pub(super) fn push_unflushed(&mut self, symbol: Symbol) {
        self.trees.tally(symbol);
        self.position += symbol.span();
        self.symbols_in_block += 1;
    }

    fn flush(&mut self) -> Result<(), NotDerivable> {
        let stored_len = self.position - self.block_start;
        let can_store = self.window_base.is_none_or(|base| self.block_start >= base);
        match self.trees.block_cost(stored_len, can_store) {
            BlockCost::Bits(bits) => self.bits += bits,
            BlockCost::Stored if stored_len <= MAX_DIST || self.window_base.is_some() => {
                // Header, padding to a byte, LEN and NLEN, the bytes.
                self.bits = (self.bits + 3).div_ceil(8) * 8 + 32 + 8 * stored_len as u64;
            }
            BlockCost::Stored => {
                return Err(NotDerivable(
                    "a block zlib may or may not store, depending on its window",
                ));
            }
        }
        self.block_start = self.position;
        self.symbols_in_block = 0;
        Ok(())
    }

    /// The gzip size once every symbol was pushed.
    pub(super) fn finish(mut self) -> Result<u64, NotDerivable> {
        // zlib always ends with a final block, empty if the last one just filled up.
        self.flush()?;
        Ok(self.bits.div_ceil(8) + GZIP_FRAMING)
    }
}

#[cfg(test)]
/// Reads the symbols back out of a raw deflate stream (written by zlib, so well-formed).
struct SymbolReader<'a> {
    data: &'a [u8],
    byte: usize,
    bit_buffer: u64,
    bit_count: u32,
    /// Input position of the next symbol.
    position: usize,
    in_block: Option<Huffman>,
    last_block: bool,
}

#[cfg(test)]
/// Decoding tables of one Huffman-coded block: canonical codes, decoded a bit at a time with
/// counts per length (the zlib "puff" method; fast enough next to compressing).
struct Huffman {
    literal: Canonical,
    distance: Canonical,
}

#[cfg(test)]
struct Canonical {
    counts: [u16; MAX_BITS + 1],
    symbols: Vec<u16>,
}

#[cfg(test)]
impl Canonical {
    fn new(lengths: &[u8]) -> Result<Self, NotDerivable> {
        let mut counts = [0u16; MAX_BITS + 1];
        for &length in lengths {
            counts[length as usize] += 1;
        }
        counts[0] = 0;
        let mut offsets = [0u16; MAX_BITS + 2];
        for bits in 1..=MAX_BITS {
            offsets[bits + 1] = offsets[bits] + counts[bits];
        }
        let mut symbols = vec![0u16; lengths.len()];
        for (symbol, &length) in lengths.iter().enumerate() {
            if length != 0 {
                symbols[offsets[length as usize] as usize] = symbol as u16;
                offsets[length as usize] += 1;
            }
        }
        Ok(Canonical { counts, symbols })
    }
}

const BAD_STREAM: NotDerivable = NotDerivable("zlib's output did not decode");

#[cfg(test)]
impl<'a> SymbolReader<'a> {
    fn new(data: &'a [u8], position: usize) -> Self {
        SymbolReader {
            data,
            byte: 0,
            bit_buffer: 0,
            bit_count: 0,
            position,
            in_block: None,
            last_block: false,
        }
    }

    fn need(&mut self, count: u32) -> Result<(), NotDerivable> {
        while self.bit_count < count {
            let byte = *self.data.get(self.byte).ok_or(BAD_STREAM)?;
            self.byte += 1;
            self.bit_buffer |= (byte as u64) << self.bit_count;
            self.bit_count += 8;
        }
        Ok(())
    }

    fn bits(&mut self, count: u32) -> Result<u32, NotDerivable> {
        if count == 0 {
            return Ok(0);
        }
        self.need(count)?;
        let value = (self.bit_buffer & ((1u64 << count) - 1)) as u32;
        self.bit_buffer >>= count;
        self.bit_count -= count;
        Ok(value)
    }

    fn decode(&mut self, table: &Canonical) -> Result<usize, NotDerivable> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for bits in 1..=MAX_BITS {
            code |= self.bits(1)? as i32;
            let count = table.counts[bits] as i32;
            if code - count < first {
                return Ok(table.symbols[(index + (code - first)) as usize] as usize);
            }
            index += count;
            first += count;
            first <<= 1;
            code <<= 1;
        }
        Err(BAD_STREAM)
    }

    fn start_block(&mut self) -> Result<(), NotDerivable> {
        self.last_block = self.bits(1)? == 1;
        match self.bits(2)? {
            0 => Err(NotDerivable(
                "a piece was stored uncompressed: its parse is not in its output",
            )),
            1 => {
                let lengths: Vec<u8> = (0..288)
                    .map(static_literal_length)
                    .map(|l| l as u8)
                    .collect();
                self.in_block = Some(Huffman {
                    literal: Canonical::new(&lengths)?,
                    distance: Canonical::new(&[5u8; 30])?,
                });
                Ok(())
            }
            2 => {
                let literal_count = self.bits(5)? as usize + 257;
                let distance_count = self.bits(5)? as usize + 1;
                let code_count = self.bits(4)? as usize + 4;
                let mut code_lengths = [0u8; BL_CODES];
                for &index in &BL_ORDER[..code_count] {
                    code_lengths[index] = self.bits(3)? as u8;
                }
                let code_table = Canonical::new(&code_lengths)?;
                let mut lengths = Vec::with_capacity(literal_count + distance_count);
                while lengths.len() < literal_count + distance_count {
                    let symbol = self.decode(&code_table)?;
                    match symbol {
                        0..=15 => lengths.push(symbol as u8),
                        16 => {
                            let previous = *lengths.last().ok_or(BAD_STREAM)?;
                            let repeat = 3 + self.bits(2)? as usize;
                            lengths.extend(std::iter::repeat_n(previous, repeat));
                        }
                        17 => {
                            let repeat = 3 + self.bits(3)? as usize;
                            lengths.extend(std::iter::repeat_n(0, repeat));
                        }
                        _ => {
                            let repeat = 11 + self.bits(7)? as usize;
                            lengths.extend(std::iter::repeat_n(0, repeat));
                        }
                    }
                }
                if lengths.len() != literal_count + distance_count {
                    return Err(BAD_STREAM);
                }
                self.in_block = Some(Huffman {
                    literal: Canonical::new(&lengths[..literal_count])?,
                    distance: Canonical::new(&lengths[literal_count..])?,
                });
                Ok(())
            }
            _ => Err(BAD_STREAM),
        }
    }

    /// The next symbol and the input position it starts at; `None` at the end of the stream.
    fn next_symbol(&mut self) -> Result<Option<(usize, Symbol)>, NotDerivable> {
        loop {
            let Some(block) = self.in_block.take() else {
                if self.last_block {
                    return Ok(None);
                }
                self.start_block()?;
                continue;
            };
            let symbol = self.decode(&block.literal)?;
            let decoded = match symbol {
                0..=255 => Symbol::Literal(symbol as u8),
                END_BLOCK => continue, // the block is done: `in_block` stays empty
                _ => {
                    let code = symbol - LITERALS - 1;
                    let length = BASE_LENGTH
                        .get(code)
                        .ok_or(BAD_STREAM)?
                        .checked_add(self.bits(EXTRA_LBITS[code])? as usize)
                        .ok_or(BAD_STREAM)?;
                    let code = self.decode(&block.distance)?;
                    let distance = BASE_DIST.get(code).ok_or(BAD_STREAM)?
                        + self.bits(EXTRA_DBITS[code])? as usize;
                    if length > MAX_MATCH || distance > WINDOW {
                        return Err(BAD_STREAM);
                    }
                    Symbol::Match {
                        length: length as u16,
                        distance: distance as u16,
                    }
                }
            };
            self.in_block = Some(block);
            let position = self.position;
            self.position += decoded.span();
            return Ok(Some((position, decoded)));
        }
    }
}

#[cfg(test)]
/// Raw deflate (zlib level 9, memLevel 8, window 15) of `data[start..end]`, with the 32 KiB
/// before `start` as the dictionary.
fn compress_piece(data: &[u8], start: usize, end: usize) -> Result<Vec<u8>, NotDerivable> {
    let mut compressor = Compress::new(Compression::new(9), false);
    if start > 0 {
        compressor
            .set_dictionary(&data[start.saturating_sub(WINDOW)..start])
            .map_err(|_| NotDerivable("zlib refused the dictionary"))?;
    }
    let input = &data[start..end];
    let mut output = Vec::with_capacity(input.len() / 2 + 1024);
    loop {
        let consumed = (compressor.total_in() as usize).min(input.len());
        match compressor.compress_vec(&input[consumed..], &mut output, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return Ok(output),
            Ok(_) => output.reserve(output.len().max(64 * 1024)),
            Err(_) => return Err(NotDerivable("zlib failed")),
        }
    }
}

/// A piece's parse: the symbols zlib writes for `data[start..end]` with the 32 KiB before it
/// as its dictionary, from the model of its parse (the tests check it against zlib's own
/// output, read back by `zlib_symbols`).
fn parse_piece(
    data: &[u8],
    start: usize,
    end: usize,
    max_symbols: usize,
) -> Result<Vec<u32>, NotDerivable> {
    super::zlib_model::piece_symbols(&data[..end], start, max_symbols)
}

/// zlib's own parse of a piece: its raw deflate, read back into its symbols.
#[cfg(test)]
fn zlib_symbols(
    data: &[u8],
    start: usize,
    end: usize,
    max_symbols: usize,
) -> Result<Vec<u32>, NotDerivable> {
    let output = compress_piece(data, start, end)?;
    let mut reader = SymbolReader::new(&output, start);
    let mut symbols = Vec::with_capacity(output.len());
    while let Some((_, symbol)) = reader.next_symbol()? {
        if symbols.len() == max_symbols {
            return Err(NotDerivable("too many symbols to hold"));
        }
        symbols.push(symbol.pack());
    }
    if reader.position != end {
        return Err(BAD_STREAM);
    }
    Ok(symbols)
}

/// zlib's own parse of the whole of `data`, for tests.
#[cfg(test)]
pub(super) fn symbols_of_zlib(data: &[u8]) -> Vec<Symbol> {
    zlib_symbols(data, 0, data.len(), usize::MAX)
        .unwrap()
        .into_iter()
        .map(Symbol::unpack)
        .collect()
}

/// Walks a piece's symbols, knowing where each starts.
struct Walker<'a> {
    symbols: &'a [u32],
    index: usize,
    position: usize,
}

impl Walker<'_> {
    fn next_symbol(&mut self) -> Option<(usize, Symbol)> {
        let symbol = Symbol::unpack(*self.symbols.get(self.index)?);
        self.index += 1;
        let position = self.position;
        self.position += symbol.span();
        Some((position, symbol))
    }
}

/// zlib's hash of the three bytes at `position` (memLevel 8: 15 bits, shift 5).
fn hash_at(data: &[u8], position: usize) -> u32 {
    (((data[position] as u32) << 10)
        ^ ((data[position + 1] as u32) << 5)
        ^ data[position + 2] as u32)
        & 0x7fff
}

/// Whether a window whose offset 0 sits at `base` may hide a match at `base + MAX_DIST`: zlib
/// reads a hash-chain head at window offset 0 as "none". That matters only when the most
/// recent earlier position with the same hash as `base + MAX_DIST` is `base` itself.
fn window_base_matters(data: &[u8], base: usize) -> bool {
    let position = base + MAX_DIST;
    if position + MIN_MATCH > data.len() {
        return false;
    }
    let hash = hash_at(data, position);
    hash_at(data, base) == hash && !(base + 1..position).any(|q| hash_at(data, q) == hash)
}

/// The most symbols held at once, over all pieces (4 bytes each: 128 MiB). Real files have
/// far fewer (a 31.7 MB `.wasm`: 7 million); input with hardly any repeats has one per byte,
/// and is then compressed sequentially.
pub const MAX_SYMBOLS: usize = 32 * 1024 * 1024;

/// Minimum size worth splitting: below it the pieces' overlap and decoding cost more than the
/// parallelism saves.
pub const MIN_PARALLEL_BYTES: usize = 4 * 1024 * 1024;

/// The exact size of `data` as gzip (zlib level 9, memLevel 8, window 15, no file name), the
/// size [`super::compress::gzip_size`] gives, computed with `pieces` threads; or why it could
/// not be derived (then compress sequentially).
pub fn gzip_size(data: &[u8], pieces: usize) -> Result<u64, NotDerivable> {
    let pieces = pieces.clamp(1, (data.len() / (2 * OVERLAP)).max(1));
    // Piece boundaries, each piece at least 32 KiB in (it needs a full dictionary).
    let starts: Vec<usize> = (0..pieces).map(|i| data.len() * i / pieces).collect();
    let ends: Vec<usize> = (0..pieces)
        .map(|i| {
            if i + 1 == pieces {
                data.len()
            } else {
                (starts[i + 1] + OVERLAP).min(data.len())
            }
        })
        .collect();
    let max_symbols = MAX_SYMBOLS / pieces;
    // Each piece is compressed and read back on its own thread: only the walk below, cheap, is
    // sequential.
    let parses: Vec<Result<Vec<u32>, NotDerivable>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..pieces)
            .map(|i| {
                let (start, end) = (starts[i], ends[i]);
                scope.spawn(move || parse_piece(data, start, end, max_symbols))
            })
            .collect();
        let mut outputs = vec![parse_piece(data, 0, ends[0], max_symbols)];
        for handle in handles {
            outputs.push(
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        outputs
    });
    let parses = parses.into_iter().collect::<Result<Vec<_>, _>>()?;

    // zlib's window offset 0 sits at multiples of 32 KiB in the sequential run, and at
    // `start - 32 KiB + n * 32 KiB` in a piece's.
    let mut bases: Vec<usize> = (1..=data.len() / WINDOW).map(|n| n * WINDOW).collect();
    for &start in &starts[1..] {
        bases.extend((1..=(data.len() - start) / WINDOW + 1).map(|n| start - WINDOW + n * WINDOW));
    }
    if bases.iter().any(|&base| window_base_matters(data, base)) {
        return Err(NotDerivable("a match zlib may skip at a window boundary"));
    }

    let mut cost = StreamCost::new();
    let mut current = Walker {
        symbols: &parses[0],
        index: 0,
        position: 0,
    };
    // Whether the current parse is in zlib's initial state where it stands: after a match.
    let mut current_at_rest = true;
    for (index, parse) in parses.iter().enumerate().skip(1) {
        let start = starts[index];
        // The current piece's parse is trusted until its input's end comes near.
        let trusted_end = ends[index - 1].saturating_sub(2 * MIN_LOOKAHEAD);
        let mut next = Walker {
            symbols: parse,
            index: 0,
            position: start,
        };
        // The next piece is in the initial state at its start and after each of its matches.
        let mut next_at_rest = start;
        loop {
            while cost.position < next_at_rest {
                let (position, symbol) = current.next_symbol().ok_or(BAD_STREAM)?;
                if position + symbol.span() > trusted_end {
                    return Err(NotDerivable("the pieces' parses did not meet"));
                }
                cost.push(symbol)?;
                current_at_rest = matches!(symbol, Symbol::Match { .. });
            }
            if cost.position == next_at_rest && current_at_rest {
                break; // both parses stand at the same place in the same state
            }
            loop {
                let (position, symbol) = next.next_symbol().ok_or(BAD_STREAM)?;
                let end = position + symbol.span();
                if end > trusted_end {
                    return Err(NotDerivable("the pieces' parses did not meet"));
                }
                if matches!(symbol, Symbol::Match { .. }) && end >= cost.position {
                    next_at_rest = end;
                    break;
                }
            }
        }
        // From here on the next piece's parse is the sequential one.
        current = next;
    }
    while let Some((position, symbol)) = current.next_symbol() {
        if position + symbol.span() == data.len() && matches!(symbol, Symbol::Literal(_)) {
            // The input's last symbol, when a literal, is the one zlib held back.
            cost.push_unflushed(symbol);
        } else {
            cost.push(symbol)?;
        }
    }
    if cost.position != data.len() {
        return Err(BAD_STREAM);
    }
    cost.finish()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn sequential(data: &[u8]) -> u64 {
        super::super::compress::gzip_size(data).unwrap()
    }

    /// Deterministic text with the mix of near and far repeats real bundles have.
    pub(in crate::measure) fn text(bytes: usize, seed: u64) -> Vec<u8> {
        let words = [
            "function",
            "return",
            "const",
            "let",
            "=>",
            "this.props",
            "undefined",
            "export",
            "import",
            "default",
            "{",
            "}",
            "(",
            ")",
            ";",
            "\n",
            "React.createElement",
            "document",
            "window",
            "async",
            "await",
            "null",
            "true",
            "false",
        ];
        let mut state = seed;
        let mut out = Vec::with_capacity(bytes + 64);
        while out.len() < bytes {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let word = words[(state >> 33) as usize % words.len()];
            out.extend_from_slice(word.as_bytes());
            if state >> 60 == 0 {
                out.extend_from_slice(format!("v{}", (state >> 20) % 100_000).as_bytes());
            }
            out.push(b' ');
        }
        out.truncate(bytes);
        out
    }

    #[test]
    fn single_piece_cost_model_equals_zlib() {
        // One piece: no stitching, only the block cost model.
        for (size, seed) in [(1, 1), (100, 2), (70_000, 3), (300_000, 4)] {
            let data = text(size, seed);
            assert_eq!(gzip_size(&data, 1), Ok(sequential(&data)), "{size}");
        }
    }

    #[test]
    fn pieces_give_the_sequential_size() {
        for seed in 1..4 {
            let data = text(3_000_000, seed);
            for pieces in [2, 3, 4] {
                assert_eq!(
                    gzip_size(&data, pieces),
                    Ok(sequential(&data)),
                    "{seed} {pieces}"
                );
            }
        }
    }

    #[test]
    fn a_modelled_piece_is_zlibs_own_parse() {
        // The model of a piece (dictionary, then the rest at once) symbol for symbol against
        // zlib's raw deflate read back, for pieces starting before and after 32 KiB.
        let data = text(900_000, 7);
        for (start, end) in [
            (0, 300_000),
            (10_000, 400_000),
            (100_000, 900_000),
            (555_555, 900_000),
        ] {
            assert!(
                parse_piece(&data, start, end, MAX_SYMBOLS)
                    == zlib_symbols(&data, start, end, MAX_SYMBOLS),
                "{start}..{end}"
            );
        }
    }

    /// Real bundler output (lodash, moment and an icon barrel bundled whole by Vite).
    pub(in crate::measure) fn real_bundle() -> Vec<u8> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/treeshake-bad/dist/assets/index-D6t1oOL9.js"
        );
        std::fs::read(path).unwrap()
    }

    #[test]
    fn a_real_bundle_in_pieces_gives_the_sequential_size() {
        let data = real_bundle();
        assert!(
            data.len() >= 2 * 2 * OVERLAP,
            "the fixture allows two pieces"
        );
        assert_eq!(gzip_size(&data, 2), Ok(sequential(&data)));
    }

    #[test]
    fn a_matching_head_at_a_window_base_is_not_derived() {
        // The string at a window base recurs exactly MAX_DIST later and nowhere between: zlib
        // may or may not see that match, depending on when its window slid.
        let mut data = text(200_000, 9);
        let base = 2 * WINDOW;
        data[base..base + 3].copy_from_slice(b"\x01\x02\x03");
        data[base + MAX_DIST..base + MAX_DIST + 3].copy_from_slice(b"\x01\x02\x03");
        assert!(window_base_matters(&data, base));
        assert!(gzip_size(&data, 1).is_err());
        // Anywhere else, the same bytes are harmless.
        assert!(!window_base_matters(&data, base + 100));
    }

    #[test]
    fn code_tables_match_deflate() {
        assert_eq!(length_code(3), 0);
        assert_eq!(length_code(10), 7);
        assert_eq!(length_code(11), 8);
        assert_eq!(length_code(257), 27);
        assert_eq!(length_code(258), 28);
        assert_eq!(distance_code(1), 0);
        assert_eq!(distance_code(5), 4);
        assert_eq!(distance_code(32768), 29);
    }
}
