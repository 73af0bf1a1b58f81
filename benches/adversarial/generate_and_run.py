#!/usr/bin/env python3
"""Adversarial corpus for webaudit (issue 11, item 6): generates hostile inputs, runs the webaudit
binary on each, and prints a Markdown table of what went wrong.

    python3 benches/adversarial/generate_and_run.py [--binary PATH] [--only SUBSTRING] [--big]
                                                    [--json OUT] [--jobs N] [--work DIR] [--list]

Needs Python 3.9+ (standard library) and Pillow (`pip install Pillow`: builds the sample images
and decodes every image, WebP and AVIF webaudit writes), plus the Linux tools `prlimit` (every
run is capped at 2 GiB of address space), `setpriv` (the unreadable-file cases run webaudit as
user 65534, since root reads any file) and `unshare` + `ip` (the check-url cases, and the cases
whose input names a network address, run inside a private network namespace that holds only a
loopback interface: the hostile servers listen on 127.0.0.1 there, and trap listeners bound to
169.254.169.254 and 10.0.0.1 *inside that namespace* record whether webaudit followed a redirect
there; no packet leaves the machine). Run it as root, from anywhere; it builds the binary never:
`cargo build --release` first. The optional Python module `brotli`, when installed, is used to
check the .br files the fixers write; without it they are checked by the next run only.

Every case is a small folder (or a configuration, a baseline, a cache, a server) built under
--work (default benches/work/adversarial/, git-ignored), on which one or more webaudit commands
run, each under `prlimit --as=2147483648` with a 120 s cap. For every case it records: the exit
code, a panic ("panicked" on stderr), an abort (a signal, or exit 134), a hang (the cap), the peak
RSS (ru_maxrss from os.wait4), files lost or altered (every file of the folder and of its
`outside/` sibling is hashed before and after, apart from what the command is meant to write:
new .gz/.br after `compress`, new .webp/.avif after `optimize --webp/--avif`, images `optimize`
re-encodes and pages `--rewrite-html` rewrites, all of which must then decode / match their
original), temporaries left behind by a complete run, and injections: in the output of every
format (the audit runs with the terminal format on stdout and `--report` for json, github,
markdown, sarif and junit; fixers with terminal or json) and on stderr, a raw control character
other than newline and tab, ESC, a bidi override (U+202A-U+202E, U+2066-U+2069), invalid UTF-8,
or a line starting with `::` that is not an annotation webaudit meant (any such line outside the
github format; in it, an unknown command or property, or a forged `file=forged.js` / `FORGED`).
JSON and SARIF are only checked for raw C0 characters and invalid UTF-8 (a bidi character in a
JSON string is the file's real name, correctly encoded). Each case also has an `expect` (what a
correct webaudit does), checked where it can be; a case fails on any of the above, on an exit code
other than the expected ones, on a peak RSS over 1 GiB, or on more than 60 s of wall time.

The default run (396 inputs, plus 2 x 30 SIGKILL trials, each fixer's uninterrupted run and its
final run: 460 cases, about 700 webaudit runs) takes 3 to 5 minutes on a 2-core machine; --big
adds 12 larger versions (60 MB page, 50 MB script, 10 million map sources, 100 MB mappings,
100,000 files, 20 MB config, 4 GiB and 16 GiB bombs, a 64 GiB sparse file, 16-bit 6324^2 PNGs
through optimize). Case folders are removed once checked (--keep keeps them), and the run stops
when less than 1 GiB is free where they are built. Exit status: 0 when every case passed, 1 when
some failed (the expected state while issue 11 is open), 2 on bad usage or a missing tool.
"""

import argparse
import base64
import concurrent.futures
import gzip
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ElementTree
import zlib
from pathlib import Path

HELPER_MODES = ("--spawner", "--netns-helper")
if sys.argv[1:2] and sys.argv[1] in HELPER_MODES:
    Image = None  # the helpers stay small: they only start processes
else:
    try:
        from PIL import Image
    except ImportError:
        sys.exit("generate_and_run.py needs Pillow: pip install Pillow")

try:  # optional: checks the .br files the fixers write
    import brotli as brotli_module
except ImportError:
    brotli_module = None

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_BINARY = REPO / "target/release/webaudit"
DEFAULT_WORK = REPO / "benches/work/adversarial"
SCRIPT = Path(__file__).resolve()

AS_LIMIT = 2 * 1024 ** 3
FSIZE_LIMIT = 512 * 1024 ** 2  # no report may fill the (shared) disk
MIN_FREE_DISK = 1024 ** 3
HANG_SECONDS = 120
SLOW_SECONDS = 60
RSS_LIMIT_MB = 1024
NOBODY = 65534
TEMPORARY = re.compile(rb"^\.webaudit-tmp-\d+-[0-9a-f]{24}-")
TRAPS = ("169.254.169.254", "10.0.0.1")
SERVER_PORT = 8080

FORGED = "::error file=forged.js::FORGED"

# --------------------------------------------------------------------------------------------
# Generators of hostile bytes
# --------------------------------------------------------------------------------------------

MIB = 1 << 20


def deflate_zeros(count):
    """Raw deflate of `count` zero bytes, cheaply: one 1 MiB block ended by a full flush (no
    reference before it) repeated, then the rest and the final block."""
    block = 1 << 20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    repeated = compressor.compress(b"\0" * block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail_compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = tail_compressor.compress(b"\0" * (count % block)) + tail_compressor.flush()
    return repeated * (count // block) + tail


def zlib_zeros(count):
    adler = ((count % 65521) << 16) | 1
    return b"\x78\xda" + deflate_zeros(count) + struct.pack(">I", adler)


def crc32_zeros(count):
    crc = 0
    chunk = b"\0" * (16 * MIB)
    for _ in range(count // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    return zlib.crc32(b"\0" * (count % len(chunk)), crc)


def gzip_zeros(count):
    """A gzip member of `count` zeros with a correct CRC and length: a decompression bomb."""
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03"
    trailer = struct.pack("<II", crc32_zeros(count) & 0xFFFFFFFF, count & 0xFFFFFFFF)
    return header + deflate_zeros(count) + trailer


class BitWriter:
    def __init__(self):
        self.accumulator = 0
        self.bits = 0
        self.out = bytearray()

    def put(self, value, count):
        self.accumulator |= (value & ((1 << count) - 1)) << self.bits
        self.bits += count
        while self.bits >= 8:
            self.out.append(self.accumulator & 0xFF)
            self.accumulator >>= 8
            self.bits -= 8

    def finish(self):
        if self.bits:
            self.out.append(self.accumulator & 0xFF)
        return bytes(self.out)


def brotli_zeros(mebibytes16):
    """A brotli stream (RFC 7932) of `mebibytes16` x 16 MiB of zeros, written by hand: each
    meta-block has one-symbol prefix codes (0 bits a symbol) and one command, insert one literal
    zero and copy 16 MiB - 1 from distance 1. 817 bytes decode to 1 GiB (checked against
    Google's decoder)."""
    bits = BitWriter()
    bits.put(0, 1)  # WBITS = 16
    for _ in range(mebibytes16):
        bits.put(0, 1)  # ISLAST
        bits.put(2, 2)  # MNIBBLES = 6
        bits.put((1 << 24) - 1, 24)  # MLEN - 1
        bits.put(0, 1)  # ISUNCOMPRESSED
        bits.put(0, 3)  # NBLTYPESL, NBLTYPESI, NBLTYPESD = 1
        bits.put(0, 2)  # NPOSTFIX
        bits.put(0, 4)  # NDIRECT
        bits.put(0, 2)  # context mode of the literal block type
        bits.put(0, 2)  # NTREESL, NTREESD = 1
        for symbol, width in ((0, 8), (399, 10), (16, 6)):  # literal 0; insert 1 + copy code 23; distance code 16
            bits.put(1, 2)  # simple prefix code
            bits.put(0, 2)  # one symbol
            bits.put(symbol, width)
        bits.put(16777215 - 2118, 24)  # copy length extra bits
        bits.put(0, 1)  # distance extra bit: distance 1
    bits.put(1, 1)  # ISLAST
    bits.put(1, 1)  # ISLASTEMPTY
    return bits.finish()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_bytes(width, height, depth=8, color=6, idat=None, before=(), after=(), interlace=0):
    """A PNG with the given header; `idat` defaults to the zlib of all-zero scanlines."""
    if idat is None:
        channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
        row = 1 + (width * channels * depth + 7) // 8
        idat = zlib_zeros(row * height)
    out = PNG_SIGNATURE + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace))
    for kind, data in before:
        out += png_chunk(kind, data)
    if color == 3 and not any(kind == b"PLTE" for kind, _ in before):
        out += png_chunk(b"PLTE", b"\0\0\0\xff\xff\xff")
    out += png_chunk(b"IDAT", idat)
    for kind, data in after:
        out += png_chunk(kind, data)
    return out + png_chunk(b"IEND", b"")


def exif_tiff(orientation=6, loop=False, entries=None):
    """A little-endian TIFF/EXIF block with an Orientation tag; `loop` makes the IFD chain
    point back at itself; `entries` declares that many entries."""
    count = 1 if entries is None else entries
    ifd = struct.pack("<H", count) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
    next_ifd = 8 if loop else 0
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", next_ifd)


def noise_image(width, height, seed, mode="RGB", smooth=True):
    rng = random.Random(seed)
    if smooth:  # a gradient with some noise: compressible, and lossy codecs have work to do
        small = Image.frombytes(mode, (max(1, width // 16), max(1, height // 16)),
                                rng.randbytes(max(1, width // 16) * max(1, height // 16) * len(mode)))
        return small.resize((width, height), Image.BILINEAR)
    return Image.frombytes(mode, (width, height), rng.randbytes(width * height * len(mode)))


def image_bytes(fmt, width=64, height=48, seed=1, **options):
    buffer = io.BytesIO()
    image = noise_image(width, height, seed)
    if fmt == "PNG" and "compress_level" not in options:
        options["compress_level"] = 0  # room for oxipng
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg_with_dimensions(width, height, progressive=False):
    data = bytearray(image_bytes("JPEG", 32, 32, seed=3, quality=90, progressive=progressive))
    marker = b"\xff\xc2" if progressive else b"\xff\xc0"
    at = data.index(marker)
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_bytes(width, height, frames=(), screen=None):
    """A GIF with a 2-colour table; `frames` is a list of (w, h, lzw_data, delay)."""
    sw, sh = screen or (width, height)
    out = b"GIF89a" + struct.pack("<HHBBB", sw, sh, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    if len(frames) > 1:
        out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    for w, h, data, delay in frames:
        out += b"\x21\xf9\x04\x04" + struct.pack("<H", delay) + b"\x00\x00"
        out += b"," + struct.pack("<HHHHB", 0, 0, w, h, 0) + b"\x02"
        for i in range(0, len(data), 255):
            piece = data[i:i + 255]
            out += bytes([len(piece)]) + piece
        out += b"\x00"
    return out + b";"


def gif_lzw(pixels, min_code_size=2):
    """The GIF LZW encoding of `pixels` (a bytes of palette indices)."""
    clear = 1 << min_code_size
    end = clear + 1
    bits = BitWriter()
    width = min_code_size + 1
    table = {bytes([i]): i for i in range(clear)}
    next_code = end + 1
    bits.put(clear, width)
    current = b""
    for value in pixels:
        candidate = current + bytes([value])
        if candidate in table:
            current = candidate
            continue
        bits.put(table[current], width)
        if next_code < 4096:
            table[candidate] = next_code
            next_code += 1
            if next_code > (1 << width) and width < 12:
                width += 1
        else:
            bits.put(clear, width)
            table = {bytes([i]): i for i in range(clear)}
            next_code = end + 1
            width = min_code_size + 1
        current = bytes([value])
    if current:
        bits.put(table[current], width)
    bits.put(end, width)
    return bits.finish()


def webp_vp8l_header(width, height, payload=b"\0" * 64):
    value = (width - 1) | ((height - 1) << 14)
    chunk = b"\x2f" + struct.pack("<I", value) + payload
    body = b"WEBP" + b"VP8L" + struct.pack("<I", len(chunk)) + chunk + (b"\0" if len(chunk) % 2 else b"")
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp_vp8x(canvas_w, canvas_h, inner):
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + (canvas_w - 1).to_bytes(3, "little") + (canvas_h - 1).to_bytes(3, "little")
    body = b"WEBP" + vp8x + inner
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp_vp8_keyframe(width, height):
    frame = b"\x50\x02\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width & 0x3FFF, height & 0x3FFF) + b"\0" * 40
    body = b"WEBP" + b"VP8 " + struct.pack("<I", len(frame)) + frame
    return b"RIFF" + struct.pack("<I", len(body)) + body


def avif_with_dimensions(width, height):
    data = bytearray(image_bytes("AVIF", 32, 32, seed=5, quality=60))
    at = data.index(b"ispe")
    data[at + 8:at + 16] = struct.pack(">II", width, height)
    return bytes(data)


def truncate(data, fraction):
    return data[:max(1, int(len(data) * fraction))]


def corrupt(data, seed=7, count=8):
    rng = random.Random(seed)
    out = bytearray(data)
    start = min(len(out) - 1, 40)
    for _ in range(count):
        at = rng.randrange(start, len(out))
        out[at] ^= 0xFF
    return bytes(out)


def js_text(size, seed=11):
    """Plausible unminified JavaScript of about `size` bytes (compressible, but not trivially)."""
    rng = random.Random(seed)
    words = ["value", "index", "result", "element", "options", "callback", "request", "render",
             "update", "state", "props", "config", "handler", "buffer", "length", "module"]
    parts = []
    total = 0
    n = 0
    while total < size:
        a, b, c = rng.choice(words), rng.choice(words), rng.choice(words)
        line = f"function {a}{n}({b}, {c}) {{\n  const {a} = {b}.{c} + {rng.randrange(1 << 30)};\n  return {a} * {n};\n}}\n"
        parts.append(line)
        total += len(line)
        n += 1
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Running one command
# --------------------------------------------------------------------------------------------


def clean_environment():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "WEBAUDIT_", "RUST_", "CARGO")) and k not in ("CI", "NO_COLOR")}
    env.update({"NO_COLOR": "1", "TERM": "dumb", "LC_ALL": "C.UTF-8"})
    return env


class Spawner:
    """A small helper process (this script with --spawner, started before the harness builds
    anything) that starts every command. ru_maxrss counts the memory of the process that forked
    the command (Linux records the old address space's peak at exec, even after vfork), so
    commands started from the harness, which holds hundreds of MB of generated input, would
    inherit its peak; the helper stays at about 10 MB."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, str(SCRIPT), "--spawner"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lock = threading.Lock()
        self.waiting = {}
        self.next_id = 0
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.process.stdout:
            message = json.loads(line)
            slot = self.waiting.pop(message["id"])
            slot["result"] = message["result"]
            slot["event"].set()

    def run(self, **request):
        slot = {"event": threading.Event()}
        with self.lock:
            self.next_id += 1
            request["id"] = self.next_id
            self.waiting[self.next_id] = slot
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        slot["event"].wait()
        if "error" in slot["result"]:
            raise RuntimeError(slot["result"]["error"])
        return slot["result"]


SPAWNER = None


def spawner_main():
    lock = threading.Lock()

    def serve(request):
        try:
            result = run_process_here(request["argv"], request["cwd"], request["stdout"], request["stderr"],
                                      request["timeout"], request["kill_after"])
        except Exception as error:
            result = {"error": f"{type(error).__name__}: {error}"}
        with lock:
            sys.stdout.write(json.dumps({"id": request["id"], "result": result}) + "\n")
            sys.stdout.flush()
    for line in sys.stdin:
        threading.Thread(target=serve, args=(json.loads(line),), daemon=True).start()


def run_process(argv, cwd, stdout_path, stderr_path, timeout=HANG_SECONDS, kill_after=None):
    if SPAWNER is None:
        return run_process_here(argv, cwd, stdout_path, stderr_path, timeout, kill_after)
    argv = [os.fsdecode(a) if isinstance(a, bytes) else a for a in argv]
    return SPAWNER.run(argv=argv, cwd=str(cwd), stdout=str(stdout_path), stderr=str(stderr_path),
                       timeout=timeout, kill_after=kill_after)


def run_process_here(argv, cwd, stdout_path, stderr_path, timeout=HANG_SECONDS, kill_after=None):
    """Runs argv (already wrapped in prlimit) in its own process group; returns a dict with
    exit, signal, hung, killed (by us), seconds and peak RSS in KiB (ru_maxrss via os.wait4)."""
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        started = time.monotonic()
        process = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                   env=clean_environment(), start_new_session=True)
    state = {"done": False, "hung": False, "killed": False}
    lock = threading.Lock()

    def stop(reason):
        with lock:
            if not state["done"]:
                state[reason] = True
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    timers = [threading.Timer(timeout, stop, ("hung",))]
    if kill_after is not None:
        timers.append(threading.Timer(kill_after, stop, ("killed",)))
    for timer in timers:
        timer.daemon = True
        timer.start()
    _, status, usage = os.wait4(process.pid, 0)
    with lock:
        state["done"] = True
    for timer in timers:
        timer.cancel()
    process.returncode = status
    seconds = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    return {
        "exit": code if code >= 0 else None,
        "signal": -code if code < 0 else None,
        "hung": state["hung"],
        "killed": state["killed"],
        "seconds": round(seconds, 3),
        "rss_kb": usage.ru_maxrss,
        "cpu": round(usage.ru_utime + usage.ru_stime, 3),
    }


def wrap(binary, args, user=None):
    argv = ["prlimit", f"--as={AS_LIMIT}", f"--fsize={FSIZE_LIMIT}"]
    if user is not None:
        argv += ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]
    return argv + [str(binary)] + list(args)


def read_capped(path, cap=64 * MIB):
    try:
        with open(path, "rb") as f:
            return f.read(cap)
    except OSError:
        return b""


# --------------------------------------------------------------------------------------------
# Snapshots of a folder: what changed
# --------------------------------------------------------------------------------------------

IMAGE_SUFFIXES = (b".png", b".jpg", b".jpeg", b".gif")
BIG_FILE = 256 * MIB


def walk(base):
    """(relative path, lstat, dir fd of the parent) of everything below `base`, via directory
    file descriptors (paths longer than PATH_MAX work), never following links."""
    try:
        top = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return
    stack = [(top, b"")]
    try:
        while stack:
            fd, prefix = stack.pop()
            try:
                names = sorted(os.listdir(fd))
            except OSError:
                names = []
            for name in names:
                name = os.fsencode(name)
                rel = prefix + name
                info = os.lstat(name, dir_fd=fd)
                yield rel, info, fd, name
                if stat.S_ISDIR(info.st_mode):
                    try:
                        child = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                    except OSError:
                        continue
                    stack.append((child, rel + b"/"))
            os.close(fd)
    finally:
        for fd, _ in stack:
            os.close(fd)


def read_at(dir_fd, name, cap=None):
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    try:
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, 4 * MIB)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if cap is not None and total > cap:
                break
        return b"".join(chunks)
    finally:
        os.close(fd)


def open_relative(base, rel):
    """Reads base/rel through directory descriptors (no link followed); None when absent."""
    parts = rel.split(b"/")
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            child = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = child
        info = os.lstat(parts[-1], dir_fd=fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        return read_at(fd, parts[-1], cap=BIG_FILE)
    except OSError:
        return None
    finally:
        os.close(fd)


def image_facts(data):
    """(size, sha256 of the RGBA pixels) of an image Pillow decodes, else None. Large images get
    their size only."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            size = image.size
            if size[0] * size[1] > 4_000_000 or getattr(image, "n_frames", 1) > 1:
                return size, None
            image.load()
            return size, hashlib.sha256(image.convert("RGBA").tobytes()).hexdigest()
    except Exception:
        return None


def snapshot(base):
    entries = {}
    for rel, info, fd, name in walk(base):
        mode = info.st_mode
        if stat.S_ISREG(mode):
            if info.st_size > BIG_FILE:
                digest = f"meta:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"
                facts = None
            else:
                try:
                    data = read_at(fd, name)
                except OSError as error:
                    data = f"unreadable: {error}".encode()
                digest = hashlib.sha256(data).hexdigest()
                facts = image_facts(data) if rel.lower().endswith(IMAGE_SUFFIXES) and len(data) < 64 * MIB else None
            entries[rel] = {"type": "file", "digest": digest, "mode": stat.S_IMODE(mode), "size": info.st_size, "image": facts,
                            "content": data if rel.lower().endswith((b".html", b".htm")) and info.st_size < MIB else None}
        elif stat.S_ISLNK(mode):
            entries[rel] = {"type": "link", "target": os.readlink(name, dir_fd=fd)}
        elif stat.S_ISDIR(mode):
            entries[rel] = {"type": "dir", "mode": stat.S_IMODE(mode)}
        elif stat.S_ISFIFO(mode):
            entries[rel] = {"type": "fifo"}
        else:
            entries[rel] = {"type": f"other {stat.S_IFMT(mode):o}"}
    return entries


def is_subsequence(old, new):
    """Whether `old` can be had from `new` by deleting bytes (the rewrite only inserts)."""
    position = 0
    for byte in old:
        position = new.find(byte, position)
        if position < 0:
            return False
        position += 1
    return True


def show(rel):
    """A path for the report, with every unusual character escaped."""
    text = rel.decode("utf-8", "backslashreplace") if isinstance(rel, bytes) else rel
    return text.encode("unicode_escape").decode("ascii") if re.search(r"[^\x20-\x7e]", text) else text


def decodes(data):
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.size, None
    except Exception as error:
        return None, f"{type(error).__name__}: {error}"


def html_refs_missing(base, rel, data, before=None, old_page=b""):
    """Copies (.webp/.avif) a rewritten page points at that are not in the folder, or that were
    there before the run (someone's own file, not a copy the run made) and that the page did not
    mention before."""
    problems = []
    page_dir = rel.rsplit(b"/", 1)[0] + b"/" if b"/" in rel else b""
    for match in re.finditer(rb"""(?:src|srcset)\s*=\s*["']?([^"'>]+)""", data):
        for candidate in match.group(1).split(b","):
            url = candidate.strip().split(b" ")[0]
            if not url.lower().endswith((b".webp", b".avif")) or b"://" in url:
                continue
            url = urllib.parse.unquote_to_bytes(url.replace(b"&amp;", b"&").replace(b"&quot;", b'"'))
            target = url.lstrip(b"/") if url.startswith(b"/") else page_dir + url
            target = os.path.normpath(target.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
            if open_relative(base, target) is None:
                problems.append(f"{show(rel)} points at {show(url)}, which is not in the folder")
            elif before is not None and target in before and url not in (old_page or b""):
                problems.append(f"{show(rel)} now points at {show(url)}, a file that was there before the run (not a copy it made)")
    return problems


class Allowed:
    """What a case's commands may legitimately write."""

    def __init__(self):
        self.new_suffixes = set()
        self.modify_images = False
        self.modify_html = False
        self.modify_suffixes = set()
        self.temporaries = False


def compare(base, before, after, allowed, label):
    """Problems between two snapshots of `base` (`label` prefixes the paths): lost, altered,
    unexpected new files, outputs that do not decode, temporaries left."""
    lost, verify, created, temporaries = [], [], [], []
    for rel, old in before.items():
        new = after.get(rel)
        name = f"{label}{show(rel)}"
        if new is None:
            lost.append(f"lost {name}")
            continue
        if new["type"] != old["type"]:
            lost.append(f"{name} was a {old['type']}, now a {new['type']}")
            continue
        if old["type"] == "link" and new["target"] != old["target"]:
            lost.append(f"link {name} retargeted")
        if old["type"] != "file" or new["digest"] == old["digest"]:
            if old["type"] == "file" and new["mode"] != old["mode"]:
                lost.append(f"{name}: mode {old['mode']:o} -> {new['mode']:o}")
            continue
        lower = rel.lower()
        if allowed.modify_images and lower.endswith(IMAGE_SUFFIXES):
            data = open_relative(base, rel) or b""
            size, error = decodes(data)
            if error:
                verify.append(f"re-encoded {name} does not decode: {error}")
            elif old["image"] and old["image"][1] and lower.endswith(b".png"):
                facts = image_facts(data)
                if facts and facts[1] and facts[1] != old["image"][1]:
                    verify.append(f"re-encoded {name}: pixels differ from the original")
            if new["mode"] != old["mode"]:
                lost.append(f"{name}: mode {old['mode']:o} -> {new['mode']:o}")
            continue
        if os.path.splitext(lower)[1] in allowed.modify_suffixes:
            data = open_relative(base, rel) or b""
            suffix = os.path.splitext(lower)[1]
            if suffix == b".gz":
                try:
                    if zlib.decompressobj(31).decompress(data, BIG_FILE) != open_relative(base, rel[:-3]):
                        verify.append(f"rewritten {name} does not decode to its original")
                except zlib.error as error:
                    verify.append(f"rewritten {name} does not decode: {error}")
            elif suffix in (b".webp", b".avif"):
                _, error = decodes(data)
                if error:
                    verify.append(f"rewritten {name} does not decode: {error}")
            continue
        if allowed.modify_html and lower.endswith((b".html", b".htm")):
            data = open_relative(base, rel) or b""
            verify.extend(html_refs_missing(base, rel, data, before, old.get("content")))
            if old.get("content") is not None and not is_subsequence(old["content"], data):
                verify.append(f"rewritten {name} lost text of the original (not insertions only)")
            if new["mode"] != old["mode"]:
                lost.append(f"{name}: mode {old['mode']:o} -> {new['mode']:o}")
            continue
        lost.append(f"altered {name}")
    for rel, new in after.items():
        if rel in before:
            continue
        name = f"{label}{show(rel)}"
        basename = rel.rsplit(b"/", 1)[-1]
        suffix = os.path.splitext(rel)[1].lower()
        stem = rel[: -len(suffix)] if suffix else rel
        sources = [stem] if suffix in (b".gz", b".br") else [stem + s for s in IMAGE_SUFFIXES + (b".PNG", b".JPG", b".JPEG", b".GIF")]
        is_output = new["type"] == "file" and suffix in allowed.new_suffixes and any(s in before for s in sources)
        if TEMPORARY.match(basename) and not is_output:
            temporaries.append(name)
            continue
        if not is_output:
            created.append(f"unexpected new {new['type']} {name}")
            continue
        data = open_relative(base, rel)
        original = open_relative(base, rel[: -len(suffix)])
        if suffix == b".gz":
            try:
                decoded = zlib.decompressobj(31).decompress(data or b"", BIG_FILE)
                if original is not None and decoded != original:
                    verify.append(f"{name} does not decode to its original")
            except zlib.error as error:
                verify.append(f"{name} does not decode: {error}")
        elif suffix == b".br" and brotli_module is not None:
            try:
                if original is not None and brotli_module.decompress(data or b"") != original:
                    verify.append(f"{name} does not decode to its original")
            except Exception as error:
                verify.append(f"{name} does not decode: {error}")
        elif suffix in (b".webp", b".avif"):
            size, error = decodes(data or b"")
            if error:
                verify.append(f"{name} does not decode: {error}")
    return lost + created + verify, temporaries


# --------------------------------------------------------------------------------------------
# Injections in what webaudit prints
# --------------------------------------------------------------------------------------------

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
C0 = re.compile("[\x00-\x08\x0b-\x1f]")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
GITHUB_COMMANDS = {"error", "warning", "notice", "debug", "group", "endgroup"}
GITHUB_PROPERTIES = {"file", "line", "col", "endLine", "endColumn", "title"}


def unescape_property(value):
    return value.replace("%3A", ":").replace("%2C", ",").replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def injections(data, fmt, forbidden=()):
    """Problems in one output stream `data` of format `fmt`."""
    problems = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(f"{fmt}: invalid UTF-8 (byte {data[error.start]:#04x} at {error.start})")
        text = data.decode("utf-8", "replace")
    machine = fmt in ("json", "sarif", "fix-json")
    pattern = C0 if machine else CONTROL
    match = pattern.search(text)
    if match:
        at = match.start()
        problems.append(f"{fmt}: raw control character U+{ord(match.group()):04X} in {text[max(0, at - 30):at + 30]!r}")
    if not machine:
        match = BIDI.search(text)
        if match:
            problems.append(f"{fmt}: raw bidi control U+{ord(match.group()):04X}")
    # GitHub's runner reads lines ending in \r, \n or \r\n, trims leading white space and runs
    # `::command props::data`; a line with `##[command]` anywhere is the older form.
    for line in re.split(r"\r\n|\r|\n", text):
        stripped = line.lstrip()
        if "##[" in line and not stripped.startswith("::"):
            problems.append(f"{fmt}: a legacy '##[' workflow command: {stripped[:80]!r}")
        if not stripped.startswith("::"):
            continue
        if fmt != "github":
            problems.append(f"{fmt}: a line starting with '::' (a workflow command): {stripped[:80]!r}")
            continue
        rest = stripped[2:]
        head, separator, message = rest.partition("::")
        command, _, properties = head.partition(" ")
        reason = None
        if not separator or command not in GITHUB_COMMANDS:
            reason = "unknown command"
        else:
            for item in filter(None, properties.split(",")):
                key, _, value = item.partition("=")
                if key not in GITHUB_PROPERTIES:
                    reason = f"unknown property {key!r}"
                elif key == "file" and unescape_property(value) == "forged.js":
                    reason = "forged file=forged.js"
            if message.strip() == "FORGED":
                reason = "forged message"
        if reason:
            problems.append(f"github: {reason}: {stripped[:100]!r}")
    for needle, where in forbidden:
        if where == fmt and needle in text:
            problems.append(f"{fmt}: raw {needle!r}")
    return problems


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------

REPORT_FORMATS = ("json", "github", "markdown", "sarif", "junit")


class Step:
    def __init__(self, kind, args, exits=(0, 1), reports=None, timeout=HANG_SECONDS):
        self.kind = kind
        self.args = list(args)
        self.exits = tuple(exits)
        self.reports = reports or {}
        self.timeout = timeout

    def stdout_format(self):
        fmt = "terminal"
        if "--format" in self.args:
            fmt = self.args[self.args.index("--format") + 1]
        return ("fix-" + fmt) if self.kind in ("compress", "optimize") else fmt

    def dry(self):
        return "--dry-run" in self.args


def A(*extra, exits=(0, 1), formats=True, config=False, timeout=HANG_SECONDS):
    """An audit of site/ printing the terminal format, with every other format as --report."""
    args = ["audit", "site", "--color", "never"]
    if not config and "--config" not in extra:
        args.append("--no-config")
    if "--no-cache" not in extra and "--cache-dir" not in extra:
        args += ["--cache-dir", "cache"]
    args += list(extra)
    reports = {}
    if formats:
        for fmt in REPORT_FORMATS:
            args += ["--report", f"{fmt}=out/report.{fmt}"]
            reports[fmt] = f"out/report.{fmt}"
    return Step("audit", args, exits, reports, timeout)


def C(*extra, fmt="json", exits=(0, 1)):
    return Step("compress", ["compress", "site", "--format", fmt, *extra], exits)


def O(*extra, fmt="json", exits=(0, 1)):
    return Step("optimize", ["optimize", "site", "--format", fmt, *extra], exits)


def U(*extra, url=f"http://127.0.0.1:{SERVER_PORT}/", exits=(0, 1)):
    args = ["check-url", url, "site", "--no-config", "--no-cache", "--color", "never", "--timeout", "3", *extra]
    reports = {}
    for fmt in REPORT_FORMATS:
        args += ["--report", f"{fmt}=out/report.{fmt}"]
        reports[fmt] = f"out/report.{fmt}"
    return Step("check-url", args, exits, reports)


def X(*args, exits=(0, 1, 2)):
    """Any other command line."""
    return Step("cli", list(args), exits)


class Case:
    def __init__(self, category, name, expect, build, steps, checks=(), big=False, user=None,
                 netns=False, server=None, rss_limit=RSS_LIMIT_MB, slow=SLOW_SECONDS, forbidden=()):
        self.category = category
        self.name = name
        self.expect = expect
        self.build = build
        self.steps = steps
        self.checks = list(checks)
        self.big = big
        self.user = user
        self.netns = netns or server is not None
        self.server = server
        self.rss_limit = rss_limit
        self.slow = slow
        self.forbidden = forbidden


class Context:
    """The case's folders (site/ is audited; outside/ is next to it and must never change),
    the binary, and after the run its results."""

    def __init__(self, case, directory, binary):
        self.case = case
        self.dir = directory
        self.site = directory / "site"
        self.outside = directory / "outside"
        self.out = directory / "out"
        self.binary = binary
        self.results = []
        self.report = None
        self.fix_reports = []
        self.stderr = ""
        self.stdout = ""
        self.outputs = ""
        self.traps = []

    def path(self, rel, base=None):
        base = self.site if base is None else base
        if isinstance(rel, str):
            rel = rel.encode("utf-8", "surrogateescape")
        path = os.path.join(bytes(base), rel) if isinstance(base, bytes) else os.path.join(os.fsencode(base), rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path

    def w(self, rel, data, base=None, mode=None):
        if isinstance(data, str):
            data = data.encode("utf-8")
        path = self.path(rel, base)
        with open(path, "wb") as f:
            f.write(data)
        if mode is not None:
            os.chmod(path, mode)
        return path

    def fifo(self, rel, base=None):
        os.mkfifo(self.path(rel, base))

    def link(self, rel, target, base=None):
        os.symlink(target, self.path(rel, base))

    def sparse(self, rel, size, head=b""):
        with open(self.path(rel), "wb") as f:
            f.write(head)
            f.truncate(size)

    def webaudit(self, *args):
        """Runs the binary during a build (e.g. to make a real cache file)."""
        subprocess.run([str(self.binary), *args], cwd=self.dir, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=clean_environment(), timeout=HANG_SECONDS)


CASES = []


def case(category, name, expect, build, steps, checks=(), **options):
    CASES.append(Case(category, name, expect, build, steps, checks, **options))


# Checks: each returns None when satisfied, else a one-line reason.

def named(needle, why=None):
    def check(ctx):
        if needle in ctx.outputs:
            return None
        return why or f"expected {show(needle)!r} named in the report or on stderr; it is not"
    return check


def not_named(needle, why=None):
    def check(ctx):
        if needle in ctx.outputs:
            return why or f"{show(needle)!r} appears in the output (read from where it should not be)"
        return None
    return check


def has_finding(rule, path=None):
    def check(ctx):
        findings = (ctx.report or {}).get("findings", [])
        if any(f.get("rule") == rule and (path is None or path in (f.get("path") or "")) for f in findings):
            return None
        if ctx.report is None:
            return f"expected a {rule} finding; no JSON report"
        return f"expected a {rule} finding" + (f" on {show(path)}" if path else "")
    return check


def absent(rel, why=None):
    def check(ctx):
        if os.path.lexists(os.path.join(os.fsencode(ctx.dir), os.fsencode(rel) if isinstance(rel, str) else rel)):
            return why or f"{show(rel)} was created"
        return None
    return check


def within(seconds):
    def check(ctx):
        total = sum(r["seconds"] for r in ctx.results)
        return None if total <= seconds else f"took {total:.0f} s (expected under {seconds} s)"
    return check


def cpu_within(seconds, why):
    def check(ctx):
        total = sum(r.get("cpu", 0) for r in ctx.results)
        return None if total <= seconds else f"{why}: {total:.1f} s of CPU (expected under {seconds} s)"
    return check


def trap_clear():
    def check(ctx):
        if ctx.traps:
            hits = "; ".join(f"{h['address']} got {h['request']!r}" for h in ctx.traps[:3])
            return f"followed a redirect to a private/link-local address: {hits}"
        return None
    return check


def custom(function, reason):
    def check(ctx):
        try:
            ok = function(ctx)
        except Exception as error:
            return f"{reason} (check raised {type(error).__name__}: {error})"
        return None if ok else reason
    return check


def files_case(category, name, expect, files, steps, checks=(), **options):
    """A case whose folder is `files()`: {relative path (str or bytes): bytes or str}."""
    def build(ctx):
        for rel, data in files().items():
            ctx.w(rel, data)
    case(category, name, expect, build, steps, checks, **options)


# ---- images ---------------------------------------------------------------------------------

def define_images():
    unreadable = "images/unreadable naming the file (a bomb is named as such, not decoded); optimize skips it with a warning"
    bombs = {
        "png-bomb-100000x100000-rgba": lambda: png_bytes(100000, 100000, idat=zlib_zeros(MIB)),
        "png-bomb-2147483647x1": lambda: png_bytes(2147483647, 1, color=0, idat=zlib_zeros(MIB)),
        "png-bomb-palette-1bit-65535": lambda: png_bytes(65535, 65535, depth=1, color=3, idat=zlib_zeros(MIB)),
        "png-bomb-interlaced-50000": lambda: png_bytes(50000, 50000, interlace=1, idat=zlib_zeros(MIB)),
        "png-bomb-complete-30000-gray": lambda: png_bytes(30000, 30000, color=0),
        "png-bomb-chunk-length-2g": lambda: PNG_SIGNATURE + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 6, 0, 0, 0)) + struct.pack(">I", 0x7FFFFFFF) + b"IDAT" + b"\0" * 16,
        "gif-bomb-65535": lambda: gif_bytes(65535, 65535, [(65535, 65535, gif_lzw(b"\0" * 64), 0)]),
        "webp-bomb-vp8l-16384": lambda: webp_vp8l_header(16384, 16384),
        "webp-bomb-vp8x-canvas-2^32": lambda: webp_vp8x(1 << 24, 256, webp_vp8l_header(16384, 16384)[12:]),
        "webp-bomb-vp8-16383": lambda: webp_vp8_keyframe(16383, 16383),
        "jpeg-bomb-65500": lambda: jpeg_with_dimensions(65500, 65500),
        "jpeg-bomb-progressive-65500": lambda: jpeg_with_dimensions(65500, 65500, progressive=True),
        "avif-bomb-ispe-65535": lambda: avif_with_dimensions(65535, 65535),
        "avif-bomb-ispe-4g": lambda: avif_with_dimensions(0xFFFFFFFF, 0xFFFFFFFF),
        "bmp-bomb-100000": lambda: b"BM" + struct.pack("<IHHI", 1 << 20, 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, 100000, 100000, 1, 24, 0, 0, 0, 0, 0, 0) + b"\0" * 1024,
        "ico-65535-entries": lambda: struct.pack("<HHH", 0, 1, 65535) + struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, 0x7FFFFFFF, 22) * 4,
    }
    for name, make in bombs.items():
        suffix = {"png": ".png", "gif": ".gif", "webp": ".webp", "jpeg": ".jpg", "avif": ".avif", "bmp": ".bmp", "ico": ".ico"}[name.split("-")[0]]
        rel = "bomb" + suffix
        files_case("images", name, unreadable, lambda make=make, rel=rel: {rel: make(), "index.html": f'<img src="{rel}">'},
                   [A(), O("--webp", "--rewrite-html")], [named(rel)])

    def metadata_bomb(kind, data):
        return lambda: {"meta.png": png_bytes(64, 64, before=[(kind, data())]), "index.html": '<img src="meta.png">'}
    files_case("images", "png-ztxt-bomb-1g", "a zTXt chunk decoding to 1 GiB is not inflated whole: bounded time and memory",
               metadata_bomb(b"zTXt", lambda: b"Comment\0\0" + zlib_zeros(1 << 30)), [A(), O("--webp")])
    files_case("images", "png-iccp-bomb-1g", "an iCCP profile decoding to 1 GiB is refused or bounded (colour profile check)",
               metadata_bomb(b"iCCP", lambda: b"icc\0\0" + zlib_zeros(1 << 30)), [A(), O("--webp")])
    files_case("images", "png-exif-ifd-loop", "an EXIF IFD chain that points at itself ends (no hang)",
               metadata_bomb(b"eXIf", lambda: exif_tiff(6, loop=True)), [A(), O("--webp", "--rewrite-html")])
    files_case("images", "png-exif-65535-entries", "an IFD declaring 65535 entries in a 26-byte block is bounded",
               metadata_bomb(b"eXIf", lambda: exif_tiff(6, entries=65535)), [A(), O("--webp", "--rewrite-html")])
    files_case("images", "png-exif-orientation-invalid", "orientation 65535 is ignored, no panic",
               metadata_bomb(b"eXIf", lambda: exif_tiff(65535)), [A(), O("--webp", "--rewrite-html")])

    def many_idat():
        image = noise_image(256, 256, 9, "RGBA", smooth=False)
        raw = b"".join(b"\0" + image.tobytes()[y * 1024:(y + 1) * 1024] for y in range(256))
        stream = zlib.compress(raw, 6)
        out = PNG_SIGNATURE + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 6, 0, 0, 0))
        out += b"".join(png_chunk(b"IDAT", stream[i:i + 1]) for i in range(len(stream)))
        return {"idat.png": out + png_chunk(b"IEND", b"")}
    files_case("images", "png-262k-one-byte-idat-chunks", "decodes (it is valid) in bounded time", many_idat, [A(), O("--webp")])

    def jpeg_exif_loop():
        data = image_bytes("JPEG", 64, 48, seed=4, quality=90)
        tiff = exif_tiff(6, loop=True)
        app1 = b"\xff\xe1" + struct.pack(">H", len(tiff) + 8) + b"Exif\0\0" + tiff
        return {"loop.jpg": data[:2] + app1 + data[2:], "index.html": '<img src="loop.jpg">'}
    files_case("images", "jpeg-exif-ifd-loop", "an EXIF IFD loop in a JPEG ends (no hang)", jpeg_exif_loop,
               [A(), O("--webp", "--lossy", "--rewrite-html")])

    # Truncated and corrupt images of every format.
    makers = {
        "png": lambda: image_bytes("PNG", 96, 64, seed=21),
        "jpeg": lambda: image_bytes("JPEG", 96, 64, seed=22, quality=92),
        "gif": lambda: image_bytes("GIF", 96, 64, seed=23),
        "webp": lambda: image_bytes("WEBP", 96, 64, seed=24, quality=80),
        "avif": lambda: image_bytes("AVIF", 96, 64, seed=25, quality=60),
    }
    damages = {
        "truncated-12-bytes": lambda d: d[:12],
        "truncated-half": lambda d: truncate(d, 0.5),
        "truncated-last-byte": lambda d: d[:-1],
        "corrupt-bytes": lambda d: corrupt(d),
    }
    for fmt, make in makers.items():
        suffix = {"jpeg": ".jpg"}.get(fmt, "." + fmt)
        for damage, apply in damages.items():
            rel = f"{damage}{suffix}"
            files_case("images", f"{fmt}-{damage}", "images/unreadable (or decoded as far as it goes); no panic, optimize skips it",
                       lambda make=make, apply=apply, rel=rel: {rel: apply(make()), "index.html": f'<img src="{rel}">'},
                       [A(), O("--webp", "--rewrite-html")])
    files_case("images", "zero-byte-images", "every empty image named as unreadable; nothing written",
               lambda: {f"empty.{s}": b"" for s in ("png", "jpg", "gif", "webp", "avif", "svg", "ico")},
               [A(), O("--webp", "--avif")], [named("empty.png")])

    def sixteen_bit(size, count):
        return lambda: {f"deep{i}.png": png_bytes(size, size, depth=16, color=6) for i in range(count)}
    case("images", "png16-6324-two-audit", "two 16-bit RGBA 6324x6324 PNGs audited within the memory budget (< 1 GiB)",
         lambda ctx: [ctx.w(k, v) for k, v in sixteen_bit(6324, 2)().items()], [A()])
    case("images", "png16-2048-optimize", "a 16-bit 2048x2048 PNG is optimised or skipped, pixels intact",
         lambda ctx: [ctx.w(k, v) for k, v in sixteen_bit(2048, 1)().items()], [O("--webp")])
    case("images", "png16-6324-two-optimize", "optimize --webp on two 16-bit 6324x6324 PNGs within the memory budget",
         lambda ctx: [ctx.w(k, v) for k, v in sixteen_bit(6324, 2)().items()], [O("--webp")], big=True)

    def apng(frames, declared=None, frame_size=(64, 64)):
        def make():
            w, h = 64, 64
            zeros = zlib_zeros((1 + w * 4) * h)
            fw, fh = frame_size
            chunks = [(b"acTL", struct.pack(">II", declared or frames, 0))]
            out = PNG_SIGNATURE + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            out += png_chunk(b"acTL", chunks[0][1])
            out += png_chunk(b"fcTL", struct.pack(">IIIIIHHBB", 0, w, h, 0, 0, 1, 10, 0, 0))
            out += png_chunk(b"IDAT", zeros)
            sequence = 1
            frame_zeros = zlib_zeros((1 + fw * 4) * fh) if (fw, fh) != (w, h) else zeros
            for _ in range(frames - 1):
                out += png_chunk(b"fcTL", struct.pack(">IIIIIHHBB", sequence, fw, fh, 0, 0, 1, 10, 0, 0))
                out += png_chunk(b"fdAT", struct.pack(">I", sequence + 1) + frame_zeros[:4096])
                sequence += 2
            return {"anim.png": out + png_chunk(b"IEND", b""), "index.html": '<img src="anim.png">'}
        return make
    left_alone = "animated PNG left alone by optimize (no anim.webp), audited in bounded time"
    files_case("images", "apng-3000-frames", left_alone, apng(3000), [A(), O("--webp", "--rewrite-html")], [absent("site/anim.webp")])
    files_case("images", "apng-declares-2^31-frames", left_alone, apng(2, declared=0x7FFFFFFF), [A(), O("--webp")], [absent("site/anim.webp")])
    files_case("images", "apng-frame-65535-on-64-canvas", "a frame larger than the canvas is refused, no allocation of it",
               apng(3, frame_size=(65535, 65535)), [A(), O("--webp")])

    def gif_frames(count, size):
        def make():
            data = gif_lzw(b"\0" * (size * size))
            return {"anim.gif": gif_bytes(size, size, [(size, size, data, 2)] * count)}
        return make
    files_case("images", "gif-100000-frames-1x1", "an animated GIF of 100,000 frames is audited in bounded time and left alone",
               gif_frames(100000, 1), [A(), O("--webp")], [absent("site/anim.webp")])
    files_case("images", "gif-2000-frames-400x400", "2000 full frames (1.3 GB if all kept): bounded memory",
               gif_frames(2000, 400), [A(), O("--webp")], [absent("site/anim.webp")])

    def exif_rotated(ctx):
        image = noise_image(200, 100, 31)
        buffer = io.BytesIO()
        image.save(buffer, "PNG", compress_level=0)
        data = buffer.getvalue()
        at = data.index(b"IDAT") - 4
        data = data[:at] + png_chunk(b"eXIf", exif_tiff(6)) + data[at:]
        ctx.w("rot.png", data)
        ctx.w("index.html", '<!doctype html><html><body><img src="rot.png" alt="r"></body></html>')

    def rotation_kept(ctx):
        data = (ctx.site / "rot.png").read_bytes()
        return b"eXIf" in data

    def html_sized(ctx):
        page = (ctx.site / "index.html").read_text()
        return 'width="100"' in page and 'height="200"' in page

    def webp_rotated(ctx):
        path = ctx.site / "rot.webp"
        if not path.exists():
            return True
        with Image.open(path) as image:
            return image.size == (100, 200)
    case("images", "png-exif-orientation-6", "optimize keeps the eXIf chunk; --rewrite-html writes width=100 height=200 (rotated); the WebP is 100x200",
         exif_rotated, [A(), O("--webp", "--rewrite-html")],
         [custom(rotation_kept, "rot.png lost its eXIf chunk (rotation)"),
          custom(html_sized, 'index.html lacks width="100" height="200" (the rotated size)'),
          custom(webp_rotated, "rot.webp is not 100x200 (rotation not applied)")])


# ---- text formats ---------------------------------------------------------------------------

def define_text():
    parse_error = "js/parse-error naming the file (not analysed); the run goes on, the size is still measured"
    chains = {
        "bang-unterminated": lambda: "x=" + "!" * 200000 + '"unterminated',
        "ternary": lambda: "x=" + "a?b:" * 300000 + "c;",
        "arrows": lambda: "x=" + "a=>" * 300000 + "c;",
        "assignments": lambda: "x" + "=a" * 300000 + ";",
        "new": lambda: "x=" + "new " * 300000 + "a;",
        "labels": lambda: "a:" * 300000 + "x;",
        "sums": lambda: "x=" + "a+" * 300000 + "a;",
    }
    for chain, make in chains.items():
        for ext in ("js", "mjs", "ts", "jsx"):
            rel = f"{chain}.{ext}"
            files_case("text", f"js-{chain}-{ext}", parse_error, lambda make=make, rel=rel: {rel: make(), "ok.js": "export const a = 1;\n"},
                       [A()], [named(rel)])
    singles = {
        "parens-1m.js": lambda: "x=" + "(" * 1000000 + "a" + ")" * 1000000,
        "brackets-1m.js": lambda: "x=" + "[" * 1000000,
        "blocks-1m.js": lambda: "{" * 1000000,
        "template-nesting.js": lambda: "x=`" + "${`" * 100000 + "a" + "`}" * 100000 + "`",
        "unterminated-string-5mb.js": lambda: 'x="' + "a" * (5 * MIB),
        "unterminated-comment-5mb.js": lambda: "/*" + "a" * (5 * MIB),
        "unterminated-regex.js": lambda: "x=/" + "[" * MIB,
        "member-chain.js": lambda: "x=a" + ".a" * 500000,
        "call-chain.js": lambda: "a(" * 300000,
        "unary-minus.js": lambda: "x=" + "- " * 300000 + "a",
        "typeof-chain.js": lambda: "x=" + "typeof " * 300000 + "a",
        "await-chain.mjs": lambda: "await " * 300000 + "a",
        "async-arrows.js": lambda: "x=" + "async()=>" * 200000 + "1",
        "class-extends.js": lambda: "x=" + "class extends " * 200000 + "a{}" + "{}" * 200000,
        "exponent-chain.js": lambda: "x=" + "a**" * 300000 + "a",
        "nullish-chain.js": lambda: "x=" + "a??" * 300000 + "a",
        "object-nesting.js": lambda: "x=" + "{a:" * 300000 + "1" + "}" * 300000,
        "function-nesting.js": lambda: "function f(){" * 200000,
        "if-nesting.ts": lambda: "if(a)" * 300000 + "b;",
        "else-if-200k.ts": lambda: "if(a){}" + "else if(a){}" * 200000,
        "generics.ts": lambda: "let x: " + "A<" * 300000 + "B" + ">" * 300000 + ";",
        "union-1m.ts": lambda: "type T = " + "|a" * 1000000 + ";",
        "elements.jsx": lambda: "x=" + "<a>" * 300000 + ";",
        "elements.tsx": lambda: "x=" + "<a>" * 300000 + ";",
        "comma-1m.js": lambda: "x=(" + "a," * 1000000 + "a)",
        "imports-300k-one-line.js": lambda: 'import "a";' * 300000,
        "imports-300k-one-line.mjs": lambda: 'import{a}from"./ok.js";' * 300000,
        "dynamic-imports-100k.js": lambda: "".join(f'import("./missing{i}.js");' for i in range(100000)),
    }
    for rel, make in singles.items():
        files_case("text", "js-" + rel.replace(".", "-"), parse_error if "import" not in rel else "analysed or named as not analysed; bounded time",
                   lambda make=make, rel=rel: {rel: make(), "ok.js": "export const a = 1;\n"}, [A()])
    files_case("text", "js-one-line-12mb", "a 12 MB one-line script is measured; bounded time and memory",
               lambda: {"big.js": "a=1;" * (3 * MIB)}, [A(), C()])
    files_case("text", "js-one-line-50mb", "a 50 MB one-line script is measured; bounded time and memory",
               lambda: {"big.js": "a=1;" * (12 * MIB + MIB // 2)}, [A(), C()], big=True)
    encodings = {
        "js-nul-bytes": {"nul.js": b"var a=1;\0\0\0var b=2;\0" * 1000},
        "js-invalid-utf8": {"bad.js": b"var a='\xff\xfe\xc0\x80';\n" * 100},
        "js-utf8-bom": {"bom.js": "\ufeffimport a from './ok.js';\nexport default a;\n", "ok.js": "export default 1;"},
        "js-utf16-bom": {"utf16.js": "\ufeffimport a from './ok.js';\n".encode("utf-16-le"), "ok.js": "export default 1;"},
        "js-cr-only-1m-lines": {"cr.js": "a=1;\r" * 1000000},
        "js-lone-surrogates-escaped": {"sur.js": 'x="\\ud800\\udfff\\udbff";\n' * 1000},
    }
    for name, files in encodings.items():
        files_case("text", name, "measured; a parse problem is a warning naming the file, not a crash", lambda files=files: files, [A(), C()])

    # HTML
    html = {
        "html-deep-div-1m": lambda: "<div>" * 1000000,
        "html-deep-mixed": lambda: "<a><b><i><span>" * 200000,
        "html-deep-table": lambda: "<table><tr><td>" * 200000,
        "html-img-8mb": lambda: '<img src="a.png">\n' * 440000,
        "html-img-60k": lambda: '<img src="a.png">' * 60000,
        "html-one-element-1m-attributes": lambda: "<div " + "a=1 " * 1000000 + ">",
        "html-attribute-8mb": lambda: '<img src="' + "a" * (8 * MIB) + '">',
        "html-srcset-500k": lambda: '<img srcset="' + ", ".join(f"a{i}.png {i}w" for i in range(500000)) + '">',
        "html-unterminated-comment": lambda: "<!--" + "a" * (5 * MIB),
        "html-unterminated-script": lambda: "<script>" + "var a=1;" * MIB,
        "html-unterminated-attribute": lambda: '<img src="' + "a" * MIB,
        "html-inline-script-chain": lambda: "<script>x=" + "!" * 200000 + "</script>",
        "html-inline-style-nesting": lambda: "<style>" + "a{" * 300000 + "</style>",
        "html-nul-bytes": lambda: b"<html>\0<img src=\"a.png\">\0</html>" * 10000,
        "html-invalid-utf8": lambda: b"<html><img src=\"a\xff\xfe.png\" alt=\"\xc0\x80\"></html>" * 1000,
        "html-utf16": lambda: '\ufeff<html><img src="a.png"></html>'.encode("utf-16-le"),
        "html-utf8-bom": lambda: '\ufeff<html><img src="a.png"></html>',
    }
    for name, make in html.items():
        files_case("text", name, "the page is measured; html/parse-problem names it when it cannot be read whole; bounded time and memory",
                   lambda make=make: {"index.html": make(), "a.png": image_bytes("PNG", 8, 8)}, [A()])
    files_case("text", "html-img-60mb", "a 60 MB page of <img> stops being read at the bound (html/parse-problem); bounded memory",
               lambda: {"index.html": '<img src="a.png">\n' * 3300000, "a.png": image_bytes("PNG", 8, 8)}, [A()], big=True)

    def outside_refs(ctx):
        ctx.w("secret.js", 'import "OUTSIDE_MARKER_MODULE";\n', base=ctx.outside)
        ctx.w("secret.css", '@import "OUTSIDE_MARKER_CSS.css";\n', base=ctx.outside)
        ctx.w("index.html", '<html><head><base href="../outside/"><script src="../outside/secret.js"></script>'
              '<script type="module" src="/../../outside/secret.js"></script>'
              '<link rel="stylesheet" href="../outside/secret.css"><img src="/dev/zero"><img src="file:///dev/zero">'
              '<img src="../../../../../../etc/passwd"></head></html>')
    case("text", "html-references-outside-the-folder", "references outside the folder are missing references; the files there are never read",
         outside_refs, [A()], [not_named("OUTSIDE_MARKER"), within(30)])

    def datauri_bomb():
        bomb = png_bytes(100000, 100000, idat=zlib_zeros(MIB))
        return {"index.html": '<img src="data:image/png;base64,' + base64.b64encode(bomb).decode() + '">'}
    files_case("text", "html-data-uri-png-bomb", "a data: URI holding a PNG bomb is not decoded", datauri_bomb, [A(), O("--webp", "--rewrite-html")])

    def module_chain(length):
        def make():
            files = {"index.html": '<script type="module" src="c0.js"></script><script type="module" src="a.js"></script>',
                     "a.js": 'import "./b.js"; export const a = 1;', "b.js": 'import "./a.js"; export const b = 2;'}
            for i in range(length):
                files[f"c{i}.js"] = f'import "./c{i + 1}.js";' if i + 1 < length else "export const end = 1;"
            return files
        return make
    files_case("text", "js-import-chain-5000-and-cycle", "a 5000-module import chain and an import cycle: initial load computed, no recursion overflow",
               module_chain(5000), [A()])
    files_case("text", "js-import-chain-50000", "a 50,000-module import chain: no recursion overflow", module_chain(50000), [A()], big=True)

    css = {
        "css-8mb": lambda: ".a{color:red}\n" * 580000,
        "css-nesting-300k": lambda: "a{" * 300000,
        "css-media-nesting-300k": lambda: "@media screen{" * 300000,
        "css-calc-nesting-1m": lambda: "a{b:" + "calc(" * 1000000,
        "css-brackets-1m": lambda: "[" * 1000000,
        "css-unterminated-comment": lambda: "/*" + "a" * (5 * MIB),
        "css-unterminated-string": lambda: 'a{content:"' + "a" * (5 * MIB),
        "css-unterminated-url": lambda: "a{background:url(" + "a" * (5 * MIB),
        "css-urls-200k-missing": lambda: "".join(f".a{i}{{background:url(m{i}.png)}}\n" for i in range(200000)),
        "css-imports-100k": lambda: '@import "b.css";\n' * 100000,
        "css-font-face-100k": lambda: "@font-face{font-family:a;src:url(a.ttf)}\n" * 100000,
        "css-backslashes-5mb": lambda: "a{content:'" + "\\" * (5 * MIB) + "'}",
        "css-nul-bytes": lambda: b".a{color:red}\0" * 10000,
        "css-invalid-utf8": lambda: b".a\xff{content:'\xc0\x80'}" * 10000,
        "css-utf16": lambda: "\ufeff.a{background:url(b.png)}".encode("utf-16-le"),
    }
    for name, make in css.items():
        files_case("text", name, "measured; bounded time and memory; no crash",
                   lambda make=make: {"style.css": make(), "b.css": '@import "style.css";\n',
                                      "index.html": '<link rel="stylesheet" href="style.css">'}, [A()])
    files_case("text", "css-60mb", "a 60 MB stylesheet is measured in bounded time and memory", lambda: {"style.css": ".a{color:red}\n" * 4300000},
               [A()], big=True)

    data_files = {
        "json-nesting-1m": {"data.json": "[" * 1000000},
        "webmanifest-nesting": {"app.webmanifest": '{"a":' * 200000},
        "svg-billion-laughs": {"laughs.svg": '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
                               + "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(9))
                               + ']><svg xmlns="http://www.w3.org/2000/svg"><text>&j;</text></svg>',
                               "index.html": '<img src="laughs.svg">'},
        "svg-external-entity": {"xxe.svg": '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&x;</text></svg>',
                                "index.html": '<img src="xxe.svg">'},
        "svg-nesting-1m": {"deep.svg": '<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 1000000, "index.html": '<img src="deep.svg">'},
    }
    for name, files in data_files.items():
        files_case("text", name, "measured; entities never expanded nor external files read; bounded time",
                   lambda files=files: files, [A(), C()], [not_named("root:x:0:0")])


# ---- source maps ----------------------------------------------------------------------------

SCRIPT_WITH_MAP = "function a(){return 1}\n" * 200 + "//# sourceMappingURL=app.js.map\n"


def map_json(**fields):
    value = {"version": 3, "sources": ["src/a.js"], "names": [], "mappings": "AAAA"}
    value.update(fields)
    return json.dumps(value)


def define_maps():
    usable = "bundle/source-map names the map (unusable, invalid or over a bound); the script is still measured; bounded time and memory"

    def map_case(name, make_map, expect=usable, script=SCRIPT_WITH_MAP, checks=(), big=False, steps=None):
        files_case("maps", name, expect, lambda: {"app.js": script, "app.js.map": make_map()}, steps or [A()], checks, big=big)
    map_case("sm-sources-1m", lambda: map_json(sources=[f"s{i}.js" for i in range(1000000)]))
    map_case("sm-sources-10m", lambda: map_json(sources=[f"s{i}.js" for i in range(10000000)]), big=True)
    map_case("sm-vlq-overflow", lambda: map_json(mappings="AAAA,gggggggggggggggggggggggggggggggggA"))
    map_case("sm-vlq-invalid-characters", lambda: map_json(mappings="AAAA,!!!!,@@@@;\u00e9\u00e9"))
    map_case("sm-vlq-truncated", lambda: map_json(mappings="AAAA,g"))
    map_case("sm-vlq-negative-source", lambda: map_json(mappings="AADA"))
    map_case("sm-vlq-huge-column", lambda: map_json(mappings="+/////////////B"))
    map_case("sm-source-index-out-of-range", lambda: map_json(mappings="AAAA,AgsEA"))
    map_case("sm-name-index-out-of-range", lambda: map_json(mappings="AAAAgsE"))
    map_case("sm-mappings-10mb-one-line", lambda: map_json(mappings="AACA," * (2 * MIB)))
    map_case("sm-mappings-100mb", lambda: map_json(mappings="AACA," * (20 * MIB)), big=True)
    map_case("sm-mappings-5m-lines", lambda: map_json(mappings=";" * (5 * MIB)))
    map_case("sm-names-1m", lambda: map_json(names=[f"n{i}" for i in range(1000000)], mappings="AAAAA"))
    map_case("sm-sourcescontent-absent", lambda: map_json(sources=["src/a.js", "src/b.js"], mappings="AAAA;ACAA"))
    map_case("sm-sourcescontent-null-and-short", lambda: map_json(sources=["a.js", "b.js", "c.js"], sourcesContent=[None]))
    map_case("sm-sourcescontent-wrong-types", lambda: map_json(sources=[None, 5, {"a": 1}], sourcesContent=[1, [2], {"x": None}]))
    map_case("sm-sourcescontent-20mb", lambda: map_json(sourcesContent=["x" * (20 * MIB)]))
    map_case("sm-sourcescontent-circular", lambda: map_json(sources=["app.js"], sourcesContent=[SCRIPT_WITH_MAP], file="app.js"))
    map_case("sm-index-map-self-url", lambda: json.dumps({"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "url": "app.js.map"}]}))

    def nested_sections(depth):
        inner = json.loads(map_json())
        for _ in range(depth):
            inner = {"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "map": inner}]}
        return json.dumps(inner)
    map_case("sm-index-map-nested-40", lambda: nested_sections(40))
    map_case("sm-index-map-nested-10000", lambda: '{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":' * 10000 + "{}" + "}]}" * 10000)
    map_case("sm-index-map-100k-sections", lambda: json.dumps({"version": 3, "sections": [
        {"offset": {"line": i, "column": 0}, "map": json.loads(map_json())} for i in range(100000)]}))
    map_case("sm-json-nesting-1m", lambda: "[" * 1000000)
    map_case("sm-version-4-and-types", lambda: json.dumps({"version": 4, "sources": "a", "mappings": 5}))
    map_case("sm-xssi-prefix-and-bom", lambda: "\ufeff)]}'\n" + map_json())
    files_case("maps", "sm-map-sparse-4g", "a 4 GiB source map is refused by size, not read", lambda: {"app.js": SCRIPT_WITH_MAP}, [A()], [cpu_within(0.5, "read the whole 4 GiB map")])

    def sparse_map(ctx):
        ctx.w("app.js", SCRIPT_WITH_MAP)
        ctx.sparse("app.js.map", 4 << 30, head=b'{"version":3,"sources":["a.js"],"mappings":"')
    CASES[-1].build = sparse_map

    secret = json.dumps({"version": 3, "sources": ["OUTSIDE_SECRET_SOURCE.js"], "sourcesContent": ["OUTSIDE_SECRET"], "mappings": "AAAA"})

    def pointing(url, link=None):
        def build(ctx):
            ctx.w("secret.map", secret, base=ctx.outside)
            target = url.replace("ABSOLUTE", str(ctx.outside / "secret.map"))
            ctx.w("app.js", "function a(){return 1}\n" * 200 + f"//# sourceMappingURL={target}\n")
            if link:
                ctx.link("app.js.map", link.replace("ABSOLUTE", str(ctx.outside / "secret.map")))
        return build
    outside = "a map outside the folder is never read: a bundle/source-map warning, no OUTSIDE_SECRET in any output"
    for name, url, link in (
            ("sm-url-relative-outside", "../outside/secret.map", None),
            ("sm-url-absolute-path-outside", "ABSOLUTE", None),
            ("sm-url-file-scheme-outside", "file://ABSOLUTE", None),
            ("sm-url-percent-encoded-outside", "..%2Foutside%2Fsecret.map", None),
            ("sm-url-dev-zero", "/dev/zero", None),
            ("sm-url-file-dev-zero", "file:///dev/zero", None),
            ("sm-url-proc-self", "/proc/self/environ", None),
            ("sm-sibling-symlink-outside", "app.js.map", "ABSOLUTE"),
            ("sm-sibling-symlink-dev-zero", "app.js.map", "/dev/zero")):
        case("maps", name, outside, pointing(url, link), [A()], [not_named("OUTSIDE_SECRET"), within(30)])

    def fifo_map(ctx):
        ctx.w("app.js", SCRIPT_WITH_MAP)
        ctx.fifo("app.js.map")
    case("maps", "sm-map-is-a-fifo", "a FIFO where the map is: warning, never blocks", fifo_map, [A(), C()], [within(30)])

    def data_url(payload):
        return lambda: {"app.js": "function a(){return 1}\n" * 200 + "//# sourceMappingURL=data:application/json;base64," + payload() + "\n"}
    files_case("maps", "sm-data-url-8mb", usable, data_url(lambda: base64.b64encode(map_json(sources=[f"s{i}.js" for i in range(600000)]).encode()).decode()), [A()])
    files_case("maps", "sm-data-url-invalid-base64", usable, data_url(lambda: "!!!!not*base64" * 1000), [A()])
    case("maps", "sm-url-http-link-local", "an http:// map URL is never fetched (no connection to 169.254.169.254)",
         pointing("http://169.254.169.254/latest/meta-data/app.js.map"), [A()], [trap_clear()], netns=True)

    def hostile_sources(ctx):
        sources = ["\x1b[31mRED\x1b[0m.js", "x\n" + FORGED + "\n.js", "photo\u202egnp.js", "/etc/passwd", "../../../../../../etc/shadow"]
        lines = ["function f%d(){return %d}" % (i, i) * 40 for i in range(len(sources))]
        mappings = ";".join(["AAAA"] + ["ACAA"] * (len(sources) - 1))
        ctx.w("app.js", "\n".join(lines) + "\n//# sourceMappingURL=app.js.map\n")
        ctx.w("app.js.map", json.dumps({"version": 3, "sources": sources, "sourcesContent": ["x" * 5000] * len(sources), "names": [], "mappings": mappings}))
    case("maps", "sm-hostile-source-names", "source names from the map are escaped in every format; no annotation points at /etc",
         hostile_sources, [A(), A("--format", "github"), A("--format", "markdown")],
         [custom(lambda ctx: "etc/passwd" not in read_capped(ctx.out / "report.github").decode("utf-8", "replace")
                 and "etc/shadow" not in read_capped(ctx.out / "report.sarif").decode("utf-8", "replace"),
                 "an annotation or SARIF location points outside the repository (/etc)")])


# ---- precompressed copies -------------------------------------------------------------------

def define_precompressed():
    original = js_text(20000, seed=5)
    copy = "compression/stale names the copy; it is never decoded past a bound (time and memory); compress leaves it alone without --force"

    def pre(name, files, expect=copy, steps=None, checks=(), big=False):
        files_case("precompressed", name, expect, files, steps or [A(), C()], checks, big=big)
    # webaudit stops decoding at 1 GiB ("decodes to more than 1073 MB"): about 2 s of CPU per copy,
    # where stopping after the original's size + 1 bytes would cost nothing.
    bounded = cpu_within(1, "decoded up to the 1 GiB bound although the original is 20 kB (stopping after its size + 1 costs nothing)")
    no_original = cpu_within(1, "decoded up to the 1 GiB bound although there is no original to compare with")
    pre("gz-bomb-1g", lambda: {"app.js": original, "app.js.gz": gzip_zeros(1 << 30)}, checks=[bounded])
    pre("gz-bomb-4g", lambda: {"app.js": original, "app.js.gz": gzip_zeros(4 << 30)}, checks=[bounded], big=True)
    pre("br-bomb-1g", lambda: {"app.js": original, "app.js.br": brotli_zeros(64)}, checks=[bounded])
    pre("br-bomb-16g", lambda: {"app.js": original, "app.js.br": brotli_zeros(1024)}, checks=[bounded], big=True)
    pre("gz-bomb-without-original", lambda: {"data.js.gz": gzip_zeros(1 << 30)}, checks=[no_original])
    pre("br-bomb-without-original", lambda: {"data.js.br": brotli_zeros(64)}, checks=[no_original])
    pre("gz-and-br-bombs-html-css-svgz", lambda: {"index.html": "<p>hi</p>" * 300 + '<img src="logo.svgz">', "index.html.gz": gzip_zeros(1 << 30),
                                                 "style.css": ".a{}" * 800, "style.css.br": brotli_zeros(64), "logo.svgz": gzip_zeros(1 << 30)},
        checks=[cpu_within(1, "decoded three bombs up to the 1 GiB bound although the originals are 3 kB or absent")])
    pre("gz-bomb-compress-force", lambda: {"app.js": original, "app.js.gz": gzip_zeros(1 << 30), "app.js.br": brotli_zeros(64)},
        expect="--force replaces the bombs with real copies, in bounded time", steps=[C("--force")])
    good = gzip.compress(original.encode(), 9, mtime=0)
    pre("gz-truncated-header", lambda: {"app.js": original, "app.js.gz": good[:5]})
    pre("gz-truncated-half", lambda: {"app.js": original, "app.js.gz": truncate(good, 0.5)})
    pre("gz-bad-crc", lambda: {"app.js": original, "app.js.gz": good[:-8] + b"\0\0\0\0" + good[-4:]})
    pre("gz-not-gzip", lambda: {"app.js": original, "app.js.gz": random.Random(3).randbytes(5000)})
    pre("gz-empty", lambda: {"app.js": original, "app.js.gz": b""})
    pre("gz-10000-members", lambda: {"app.js": original * 5, "app.js.gz": b"".join(
        gzip.compress(piece.encode(), 1, mtime=0) for piece in [(original * 5)[i:i + 10] for i in range(0, len(original) * 5, 10)][:10000])})
    pre("gz-fname-10mb", lambda: {"app.js": original, "app.js.gz": b"\x1f\x8b\x08\x08\0\0\0\0\0\x03" + b"a" * (10 * MIB) + b"\0" + good[10:]})
    pre("gz-fextra-and-fcomment", lambda: {"app.js": original, "app.js.gz": b"\x1f\x8b\x08\x14\0\0\0\0\0\x03" + struct.pack("<H", 65535) + b"e" * 65535 + b"c" * MIB + b"\0" + good[10:]})
    pre("gz-trailing-garbage", lambda: {"app.js": original, "app.js.gz": good + b"garbage" * 100000})
    pre("gz-larger-than-original", lambda: {"app.js": "a", "app.js.gz": gzip.compress(b"a" + b"\0" * 0, 0, mtime=0) + b"\0" * 4096})
    pre("br-truncated", lambda: {"app.js": original, "app.js.br": brotli_zeros(64)[:100]})
    pre("br-empty-and-garbage", lambda: {"app.js": original, "app.js.br": b"", "style.css": ".a{}" * 800, "style.css.br": random.Random(4).randbytes(3000)})

    def user_archives(ctx):
        ctx.w("data.tar.gz", gzip.compress(b"tar" * 1000, mtime=0))
        ctx.w("backup.gz", gzip.compress(b"backup" * 1000, mtime=0))
        ctx.w("archive.zip.br", b"\x0b\x02\x80" + b"x" * 100)
        ctx.w("app.js", original)
    case("precompressed", "clean-keeps-user-archives", "compress --clean removes only copies whose original is gone, never data.tar.gz / backup.gz / archive.zip.br",
         user_archives, [C("--clean")])


# ---- file names -----------------------------------------------------------------------------

def define_names():
    small_png = lambda: image_bytes("PNG", 64, 48, seed=41)
    script = js_text(3000, seed=6)
    names = {
        "newline": "a\nb",
        "forged-annotation": FORGED,
        "newline-forged-annotation": "x\n" + FORGED + "\n",
        "cr-forged-annotation": "x\r" + FORGED,
        "ansi-red": "\x1b[31mred\x1b[0m",
        "ansi-clear-screen": "\x1b[2J\x1b[H",
        "osc-window-title": "\x1b]0;pwned\x07",
        "osc8-hyperlink": "\x1b]8;;https:\x1b\\click\x1b]8;;\x1b\\",
        "bidi-rlo": "photo\u202egnp",
        "bidi-isolates": "\u2066admin\u2069\u2067",
        "c1-csi": "\u009b31mc1",
        "c1-nel": "line\u0085next",
        "bel-backspace-del": "\x07\x08\x7f",
        "tab": "a\tb",
        "line-separators": "a\u2028b\u2029c",
        "zero-width": "app\u200b",
        "markdown-html": "<img src=x onerror=alert(1)>",
        "markdown-mention-link": "@mention [link](javascript:alert(1))",
        "xml-cdata-entities": "]]><x>&amp;\"'",
        "markdown-table-breakers": "|a|`b`*c*_d_",
        "percent-escapes": "%0A::error file=forged.js%3A%3AFORGED",
        "dash-help": "--help",
        "legacy-runner-command": "##[error]FORGED",
        "leading-spaces-forged-annotation": "   " + FORGED,
    }
    for name, stem in names.items():
        forbidden = (("<img src=x onerror", "markdown"), ("@mention", "markdown"))
        if name == "percent-escapes":  # a literal %0A in a name must reach GitHub as %250A
            forbidden += (("%0A::error file=forged.js%3A%3AFORGED", "github"),)
        def files(stem=stem):
            return {stem + ".js": script, stem + ".png": small_png(),
                    "index.html": '<img src="' + urllib.parse.quote(stem + ".png") + '">'}
        files_case("names", f"name-{name}", "measured and named escaped in every format: no raw control, bidi or forged '::' line",
                   files, [A(), C("--dry-run", fmt="terminal"), C(fmt="terminal"), O("--webp", "--rewrite-html")],
                   [custom(lambda ctx, stem=stem: any((a.get("path") == stem + ".js") for a in (ctx.report or {}).get("assets", [])),
                           "the script is not listed under assets by its real name")],
                   forbidden=forbidden)
    raw_names = {
        "non-utf8-latin1": b"caf\xe9",
        "non-utf8-with-escape": b"\xff\xfe\x1b[31m",
        "non-utf8-overlong-newline": b"a\xc0\x8ab",
        "non-utf8-surrogate": b"\xed\xa0\x80",
    }
    for name, stem in raw_names.items():
        files_case("names", f"name-{name}", "listed with U+FFFD in its name or skipped with a warning; nothing raw in any output",
                   lambda stem=stem: {stem + b".js": script, stem + b".png": small_png()},
                   [A(), C("--dry-run", fmt="terminal"), C(fmt="terminal"), O("--webp")])
    files_case("names", "name-255-bytes", "a 255-byte name (the limit) is measured; its .gz copy cannot exist (256 bytes): an error for that file only",
               lambda: {"a" * 252 + ".js": script, "\u00e9" * 126 + ".js": script, "b" * 251 + ".png": small_png()},
               [A(), C(), O("--webp")])

    def deep_path(ctx):
        fd = os.open(ctx.site, os.O_RDONLY | os.O_DIRECTORY)
        for _ in range(40):
            os.mkdir("d" * 200, dir_fd=fd)
            child = os.open("d" * 200, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        for rel, data in (("deep.js", script.encode()), ("deep.png", small_png())):
            out = os.open(rel, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(out, data)
            os.close(out)
        os.close(fd)
        ctx.w("top.js", script)
    case("names", "path-over-path-max", "a file 8000 characters deep (over PATH_MAX) is measured or skipped with a warning; the run goes on",
         deep_path, [A(), C(), O("--webp")])

    def tmp_lookalikes(ctx):
        ctx.w(".webaudit-tmp-notes.txt", "my notes\n" * 300)
        ctx.w("sub/.webaudit-tmp-x", "keep me\n" * 300)
        ctx.w(".webaudit-tmp-1-0123456789abcdef01234567-app.js", "x")
        ctx.w(".webaudit-tmp-99999999-0123456789abcdef01234567-old.png", small_png())
        ctx.w("app.js", script)
        ctx.w("photo.png", small_png())
    case("names", "user-files-named-like-temporaries", "compress and optimize never delete a user's .webaudit-tmp-* file that webaudit did not create",
         tmp_lookalikes, [C(), O("--webp")])

    def unrelated_copies(ctx):
        ctx.w("photo.png", small_png())
        ctx.w("photo.webp", image_bytes("WEBP", 30, 30, seed=99))
        ctx.w("photo.avif", image_bytes("AVIF", 30, 30, seed=98))
        ctx.w("app.js", script)
        ctx.w("app.js.gz", gzip.compress(b"someone else's archive" * 100, mtime=0))
        ctx.w("app.js.br", b"\x1b\x03\x00\x00" + b"not brotli" * 50)
    case("names", "unrelated-webp-avif-gz-br-beside-originals", "existing photo.webp/.avif and app.js.gz/.br that are not copies are left alone and reported (no --force)",
         unrelated_copies, [C(), O("--webp", "--avif", "--avif-speed", "10")])

    def nfc_nfd(ctx):
        ctx.w("caf\u00e9.js", script)
        ctx.w("cafe\u0301.js", script + "//2")
    case("names", "nfc-and-nfd-twins", "two names that look the same are two files", nfc_nfd, [A(), C()],
         [custom(lambda ctx: len((ctx.report or {}).get("assets", [])) == 2, "not both files are listed")])
    escapes = "\x1b[31mred\x1b]8;;https:\x07x\x1b]8;;\x07"
    for name, step in (("missing-path-with-escapes", X("audit", "site/" + escapes, exits=(2,))),
                       ("explain-rule-with-escapes", X("explain", escapes, exits=(2,))),
                       ("ignore-glob-with-escapes", A("--ignore", escapes + "{", exits=(0, 1, 2))),
                       ("report-path-with-escapes", A("--report", "json=out/" + escapes + "/x.json", exits=(2,), formats=False)),
                       ("check-url-with-escapes", X("check-url", "http://127.0.0.1:1/" + escapes, "site", exits=(2,))),
                       ("compress-missing-with-escapes", X("compress", "site/" + escapes, exits=(2,)))):
        case("names", f"cli-{name}", "the error message shows the argument escaped", lambda ctx: ctx.w("app.js", "a"), [step])


# ---- special files --------------------------------------------------------------------------

def define_special():
    script = js_text(3000, seed=7)
    png = lambda: image_bytes("PNG", 64, 48, seed=51)
    never_blocks = "skipped with a warning naming it; never opened for a blocking read; the run ends"

    def fifo(rel, extra=None):
        def build(ctx):
            ctx.w("app.js", script)
            ctx.w("photo.png", png()) if rel != "photo.png" else None
            ctx.w("index.html", '<img src="photo.png"><script src="app.js"></script>') if rel != "index.html" else None
            ctx.fifo(rel)
        return build
    for rel in ("pipe.js", "photo.png", "index.html", "style.css"):
        case("special", f"fifo-{rel.replace('.', '-')}", never_blocks, fifo(rel),
             [A(), C(), O("--webp", "--rewrite-html")], [named(rel.split(".")[0]), within(60)])

    def device(ctx):
        ctx.w("app.js", script)
        os.mknod(ctx.path("zero.js"), 0o644 | stat.S_IFCHR, os.makedev(1, 5))
        os.mknod(ctx.path("random.png"), 0o644 | stat.S_IFCHR, os.makedev(1, 8))
    case("special", "character-devices-in-folder", never_blocks, device, [A(), C(), O("--webp")], [named("zero.js"), within(60)])

    def unix_socket(ctx):
        ctx.w("app.js", script)
        server = socket.socket(socket.AF_UNIX)
        server.bind(ctx.path("sock.js"))
        server.close()
    case("special", "unix-socket-in-folder", never_blocks, unix_socket, [A(), C()], [named("sock.js")])

    def dev_links(ctx):
        ctx.w("app.js", script)
        ctx.link("zero.js", "/dev/zero")
        ctx.link("random.png", "/dev/urandom")
        ctx.link("stdin.css", "/proc/self/fd/0")
    case("special", "symlinks-to-devices", "links are skipped (never followed) with a warning", dev_links, [A(), C(), O("--webp")],
         [named("zero.js"), within(30)])

    def loops(ctx):
        ctx.w("app.js", script)
        ctx.link("a.js", "b.js")
        ctx.link("b.js", "a.js")
        ctx.link("self.js", "self.js")
        ctx.link("sub/up", "..")
        ctx.link("sub/root", "/")
    case("special", "symlink-loops", "links are skipped; no loop", loops, [A(), C(), O("--webp")], [within(30)])

    def outside_dir(ctx):
        ctx.w("img.png", png(), base=ctx.outside)
        ctx.w("page.html", '<img src="img.png">', base=ctx.outside)
        ctx.link("assets", "../outside")
        ctx.w("index.html", '<!doctype html><img src="assets/img.png"><img src="../outside/img.png">')
    case("special", "symlink-dir-outside-rewrite-html", "nothing is written outside the folder; the page never points at a copy that does not exist",
         outside_dir, [A(), O("--webp", "--rewrite-html")], [absent("outside/img.webp")])

    def outside_file(ctx):
        ctx.w("photo.png", png(), base=ctx.outside)
        ctx.link("photo.png", "../outside/photo.png")
        ctx.w("index.html", '<img src="photo.png">')
    case("special", "symlink-image-outside", "a linked image is not read through the link: no photo.webp, nothing written outside",
         outside_file, [O("--webp", "--rewrite-html")], [absent("outside/photo.webp"), absent("site/photo.webp", "photo.webp made by reading through a symbolic link")])

    def output_links(ctx):
        for rel in ("victim.webp", "victim.gz", "victim.br", "victim.html"):
            ctx.w(rel, b"victim data " * 100, base=ctx.outside)
        ctx.w("photo.png", png())
        ctx.w("app.js", script)
        ctx.link("photo.webp", "../outside/victim.webp")
        ctx.link("app.js.gz", "../outside/victim.gz")
        ctx.link("app.js.br", "../outside/victim.br")
        ctx.w("page.html", '<img src="photo.png">', base=ctx.outside)
        ctx.link("index.html", "../outside/page.html")
    case("special", "symlinked-outputs-point-outside", "outputs that are links are never written through (outside/ unchanged)",
         output_links, [C(), O("--webp", "--rewrite-html")])

    def output_dirs(ctx):
        ctx.w("photo.png", png())
        ctx.w("app.js", script)
        ctx.w("photo.webp/keep.txt", "x")
        ctx.w("app.js.gz/keep.txt", "x")
    case("special", "directories-where-outputs-go", "an error for that file only; the directories and their files stay", output_dirs,
         [C(), C("--force"), O("--webp", "--force")])

    def unreadable(ctx):
        os.chmod(ctx.site, 0o777)
        os.chmod(ctx.out, 0o777)
        ctx.w("ok.js", script)
        ctx.w("secret.js", script, mode=0o000)
        ctx.w("locked/inside.js", script)
        os.chmod(ctx.site / "locked", 0o000)
        ctx.w("photo.png", png(), mode=0o000)
        ctx.w("page.html", '<img src="photo.png">', mode=0o000)
        ctx.w("index.html", '<img src="photo.png">')
    case("special", "unreadable-files-as-user-65534", "each unreadable file or folder is a warning naming it; the rest is handled",
         unreadable, [A("--no-cache"), C(), O("--webp", "--rewrite-html")], [named("secret.js")], user=NOBODY)

    def read_only(ctx):
        os.chmod(ctx.out, 0o777)
        ctx.w("app.js", script)
        ctx.w("photo.png", png())
        os.chmod(ctx.site, 0o555)
    case("special", "read-only-folder-as-user-65534", "an error per file (cannot create the temporary), exit 1, nothing lost",
         read_only, [C(), O("--webp")], user=NOBODY)

    def many(count):
        def build(ctx):
            for i in range(count):
                ctx.w(f"d{i % 100}/f{i}.js", f"export const v{i} = {i};\n" * (1 if i % 10 else 60))
        return build
    case("special", "files-10000", "all measured; compress writes copies for the 1,000 large ones; bounded time", many(10000), [A(), C()])
    case("special", "files-100000", "all measured; bounded time and memory", many(100000), [A(), C()], big=True)

    case("special", "sparse-4g-script", "a 4 GiB file is refused by size or measured in bounded time",
         lambda ctx: ctx.sparse("huge.js", 4 << 30), [A()], [cpu_within(5, "read and compressed the whole 4 GiB")])
    case("special", "sparse-64g-script-compress", "a 64 GiB file: refused by size, not compressed for hours",
         lambda ctx: ctx.sparse("huge.js", 64 << 30), [A(), C()], big=True)
    case("special", "sparse-4g-png", "a 4 GiB image is refused by size",
         lambda ctx: ctx.sparse("huge.png", 4 << 30, head=png_bytes(64, 64)[:33]), [A(), O("--webp")], [cpu_within(0.5, "read the whole 4 GiB")])

    def deep_dirs(ctx):
        rel = "/".join(["d"] * 600)
        ctx.w(rel + "/deep.js", script)
        ctx.w("top.js", script)
    case("special", "600-nested-folders", "measured (or skipped with a warning); no recursion overflow", deep_dirs, [A(), C(), O()])

    case("special", "empty-folder", "nothing to measure, exit 0", lambda ctx: None, [A(), C(), O("--webp")])

    def git_file(ctx):
        ctx.w(".git", "gitdir: /nonexistent")
        ctx.w("app.js", script)
        ctx.w("lib.js", script, base=ctx.outside)
        ctx.link("node_modules", "../outside")
    case("special", "git-is-a-file-node-modules-link", "handled as usual", git_file, [A(), C()])

    def times(ctx):
        ctx.w("old.js", script)
        ctx.w("future.js", script)
        os.utime(ctx.site / "old.js", ns=(0, 0))
        os.utime(ctx.site / "future.js", ns=(2 ** 62, 2 ** 62))
    case("special", "extreme-mtimes", "handled as usual", times, [A(), A(), C()])


# ---- configurations, options, caches, baselines ---------------------------------------------

def define_configs():
    script = js_text(3000, seed=8)
    refused = "refused with exit 2 and a message naming the file or option and the bound; no crash"
    png = lambda: image_bytes("PNG", 64, 48, seed=61)

    def config_case(name, text, expect=refused, exits=(2,), big=False, steps=None, checks=()):
        def build(ctx):
            ctx.w("app.js", script)
            ctx.w("webaudit.toml", text() if callable(text) else text, base=ctx.dir)
        case("configs", name, expect, build, steps or [A("--config", "webaudit.toml", exits=exits)], checks, big=big)
    config_case("toml-180k-ignore-globs-2.5mb", lambda: "ignore = [\n" + "".join(f'"d{i}/*",\n' for i in range(180000)) + "]\n")
    config_case("toml-2m-ignore-globs-20mb", lambda: "ignore = [\n" + "".join(f'  "d{i}/**/*.js",\n' for i in range(2000000)) + "]\n", big=True)
    config_case("toml-5mb-comment", lambda: "# " + "a" * (5 * MIB) + "\n")
    config_case("toml-syntax-error", "[budget\ntotal = \n")
    config_case("toml-escape-in-key", '[rules]\n"\\u001b[31mred\\u001b]8;;https:\\u0007x" = "error"\n')
    config_case("toml-raw-escape-in-value", '[budget]\ntotal = "\x1b[31m12 kB"\n')
    config_case("toml-array-nesting-100k", lambda: "a = " + "[" * 100000 + "]" * 100000 + "\n")
    config_case("toml-inline-table-nesting-50k", lambda: "a = " + "{b=" * 50000 + "1" + "}" * 50000 + "\n")
    config_case("toml-nul-bytes", "ignore = [\"a\0b\"]\n\0\0")
    config_case("toml-invalid-utf8", b"ignore = [\"\xff\xfe\"]\n")
    config_case("toml-utf16", "\ufeffignore = []\n".encode("utf-16-le"))
    config_case("toml-huge-integer", "[budget.counts]\nscript = 99999999999999999999999999999\n")
    for label, size in (("u64-overflow", "18446744073709551616 B"), ("1e400", "1e400 kB"), ("nan", "nan kB"), ("negative", "-5 kB"), ("inf", "inf MB")):
        config_case(f"toml-budget-size-{label}", f'[budget]\ntotal = "{size}"\n')
    config_case("toml-50k-budget-paths", lambda: "".join(f'[[budget.path]]\npath = "p{i}/*.js"\nmax_size = "1kB"\n' for i in range(50000)))
    config_case("toml-hash-pattern-huge-regex", "[baseline]\nhash_pattern = '(?P<hash>(a{1000}){1000})'\n")
    config_case("toml-above-the-fold-u64-max", "[images]\nabove_the_fold = 18446744073709551615\nmax_width = 0\n",
                exits=(0, 1, 2), steps=[A("--config", "webaudit.toml", exits=(0, 1, 2))])
    config_case("toml-ignore-250-nested-alternates", lambda: 'ignore = ["' + "{a," * 250 + "b" + "}" * 250 + '"]\n')

    def discovered(kind):
        def build(ctx):
            ctx.w("app.js", script)
            ctx.w("index.html", '<img src="photo.png">')
            ctx.w("photo.png", png())
            if kind == "fifo":
                ctx.fifo("webaudit.toml")
            elif kind == "dev-zero":
                ctx.link("webaudit.toml", "/dev/zero")
            elif kind == "directory":
                ctx.w("webaudit.toml/x", "x")
            elif kind == "size-limit-fifo":
                ctx.fifo(".size-limit.json")
            elif kind == "package-json-nesting":
                ctx.w("package.json", '{"size-limit":' + "[" * 100000)
            elif kind == "size-limit-1m-entries":
                ctx.w(".size-limit.json", json.dumps([{"path": f"p{i}.js", "limit": "1 kB"} for i in range(1000000)]))
        return build
    for kind in ("fifo", "dev-zero", "directory", "size-limit-fifo", "package-json-nesting", "size-limit-1m-entries"):
        case("configs", f"discovered-config-{kind}", "the discovered configuration is refused (exit 2, named) or ignored with a warning; never blocks or reads forever",
             discovered(kind), [A(config=True, exits=(0, 1, 2)), O("--webp", "--rewrite-html", exits=(0, 1, 2))], [within(30)])

    def budget_file(kind):
        def build(ctx):
            ctx.w("app.js", script)
            if kind == "fifo":
                ctx.fifo("budget.json", base=ctx.dir)
            elif kind == "dev-zero":
                ctx.link("budget.json", "/dev/zero", base=ctx.dir)
            elif kind == "nesting":
                ctx.w("budget.json", "[" * 1000000, base=ctx.dir)
            elif kind == "huge-numbers":
                ctx.w("budget.json", json.dumps([{"path": "/*", "resourceSizes": [{"resourceType": "script", "budget": 1e308},
                                                                                {"resourceType": "total", "budget": -1}],
                                                  "resourceCounts": [{"resourceType": "script", "budget": 18446744073709551616}]}]), base=ctx.dir)
            elif kind == "1m-entries":
                ctx.w("budget.json", json.dumps([{"path": f"/p{i}", "resourceSizes": [{"resourceType": "script", "budget": 1}]} for i in range(300000)]), base=ctx.dir)
        return build
    for kind in ("fifo", "dev-zero", "nesting", "huge-numbers", "1m-entries"):
        case("configs", f"budget-file-{kind}", refused + " (or a budget that handles the numbers)", budget_file(kind),
             [A("--budget-file", "budget.json", exits=(0, 1, 2))], [within(30)])

    globs = {
        "250-nested-alternates": "{a," * 250 + "b" + "}" * 250,
        "10000-unbalanced-alternates": "{a," * 10000,
        "60000-stars": "*" * 60000 + "a",
        "20000-globstars": "**/" * 20000 + "a",
        "50000-open-classes": "[" * 50000,
        "60000-empty-alternates": "{" + "," * 60000 + "}",
        "5000-binary-alternates": "{a,b}" * 5000,
    }
    for name, glob in globs.items():
        def build(ctx):
            ctx.w("app.js", script)
            ctx.w("photo.png", png())
        case("configs", f"ignore-glob-{name}", "refused with exit 2 naming the bound, or matched in bounded time",
             build, [A("--ignore", glob, exits=(0, 1, 2)), C("--ignore", glob, exits=(0, 1, 2)), O("--ignore", glob, exits=(0, 1, 2))], [within(30)])

    def simple(ctx):
        ctx.w("app.js", script)
        ctx.w("photo.png", png())
    numbers = [
        ("avif-quality-nan", O("--avif", "--avif-quality", "nan", exits=(2,))),
        ("webp-quality-nan", O("--webp", "--webp-quality", "nan", exits=(2,))),
        ("webp-quality-inf", O("--webp", "--webp-quality", "inf", exits=(2,))),
        ("webp-quality-minus-inf", O("--webp", "--webp-quality=-inf", exits=(2,))),
        ("webp-quality-1e309", O("--webp", "--webp-quality", "1e309", exits=(2,))),
        ("webp-quality-101", O("--webp", "--webp-quality", "101", exits=(2,))),
        ("min-saving-percent-nan", O("--min-saving-percent", "nan", exits=(2,))),
        ("min-ratio-nan", C("--min-ratio", "nan", exits=(2,))),
        ("min-ratio-zero", C("--min-ratio", "0", exits=(2,))),
        ("budget-u64-overflow", A("--budget", "18446744073709551616GB", exits=(2,))),
        ("budget-nan", A("--budget", "nanKB", exits=(2,))),
        ("budget-negative", A("--budget=-1kB", exits=(2,))),
        ("max-increase-nan", A("--max-increase", "nan%", exits=(2,))),
        ("max-increase-1e400", A("--max-increase", "1e400%", exits=(2,))),
        ("max-increase-huge-size", A("--max-increase", "99999999999999999999kB", exits=(2,))),
        ("top-u64-overflow", A("--top", "18446744073709551616", exits=(2,))),
        ("hash-pattern-unbalanced", A("--hash-pattern", "(", exits=(2,))),
        ("hash-pattern-huge", A("--hash-pattern", "(?P<hash>(a{1000}){1000})", exits=(2,))),
        ("threads-100000-audit", A("-j", "100000", exits=(0, 1, 2))),
        ("threads-100000-optimize", O("--webp", "-j", "100000", exits=(0, 1, 2))),
        ("threads-u64-max-compress", C("-j", "18446744073709551615", exits=(0, 1, 2))),
        ("check-url-timeout-zero", X("check-url", "http://127.0.0.1:1/", "site", "--timeout", "0", exits=(2,))),
        ("check-url-concurrency-zero", X("check-url", "http://127.0.0.1:1/", "site", "--concurrency", "0", exits=(2,))),
    ]
    for name, step in numbers:
        case("configs", f"option-{name}", "refused with exit 2 naming the option (or used safely); no abort, no thread explosion",
             simple, [step], [within(30)])

    def cache_case(name, make, expect="a cache that is not a regular file of ours is ignored (a note) and not written through; never blocks"):
        def build(ctx):
            ctx.w("app.js", script)
            ctx.w("photo.png", png())
            (ctx.dir / "cache").mkdir(exist_ok=True)
            make(ctx, ctx.dir / "cache")
        case("configs", f"cache-{name}", expect, build, [A(), A()], [within(30)])
    cache_case("file-is-a-fifo", lambda ctx, c: os.mkfifo(c / "cache-v2.bin"))
    cache_case("file-links-to-dev-zero", lambda ctx, c: os.symlink("/dev/zero", c / "cache-v2.bin"))

    def victim(ctx, c):
        ctx.w("victim.bin", b"victim " * 1000, base=ctx.outside)
        os.symlink(ctx.outside / "victim.bin", c / "cache-v2.bin")
    cache_case("file-links-outside", victim)
    cache_case("file-is-a-directory", lambda ctx, c: (c / "cache-v2.bin").mkdir())
    cache_case("sparse-2g", lambda ctx, c: open(c / "cache-v2.bin", "wb").truncate(2 << 30))
    cache_case("random-10mb", lambda ctx, c: (c / "cache-v2.bin").write_bytes(random.Random(5).randbytes(10 * MIB)))

    def real_cache(mutate):
        def make(ctx, c):
            ctx.webaudit("audit", "site", "--cache-dir", "cache", "--no-config", "--format", "json")
            path = c / "cache-v2.bin"
            data = bytearray(path.read_bytes()) if path.exists() else bytearray(b"\0" * 64)
            path.write_bytes(bytes(mutate(data)))
        return make
    cache_case("real-truncated-half", real_cache(lambda d: d[: len(d) // 2]))
    cache_case("real-bit-flips", real_cache(lambda d: corrupt(bytes(d), seed=9, count=50)))

    def max_counts(d):
        for at in range(8, min(len(d), 200), 8):
            d[at:at + 8] = b"\xff" * 8
        return d
    cache_case("real-counts-maxed", real_cache(max_counts))
    case("configs", "cache-dir-is-a-file", "a note, the run goes on without a cache",
         lambda ctx: (ctx.w("app.js", script), ctx.w("cache", "x", base=ctx.dir)), [A()])

    def baseline_case(name, make, exits=(0, 1, 2), expect="refused with exit 2 naming the baseline, or compared with saturating arithmetic; no crash", checks=()):
        def build(ctx):
            ctx.w("app.js", script)
            ctx.w("style.css", ".a{color:red}\n" * 300)
            make(ctx)
        case("configs", f"baseline-{name}", expect, build, [A("--baseline", "base.json", "--max-increase", "5%", exits=exits)], [within(30), *checks])

    def baseline_arithmetic(ctx):
        """The totals and deltas of the JSON report's `baseline`, against exact arithmetic."""
        baseline = (ctx.report or {}).get("baseline") or {}
        assets = baseline.get("assets") or []
        if not assets:
            return None
        exact = sum(a["before"]["gzip"] for a in assets)
        total = baseline["before"]["gzip"]
        if total < min(exact, 2 ** 64 - 1):
            return f"baseline total before is {total}, but its assets sum to {exact} (wrapped, not saturated)"
        for a in assets:
            before, after, percent = a["before"]["gzip"], a["after"]["gzip"], a.get("gzip_percent")
            if before and percent is not None and abs(percent - 100.0 * (after - before) / before) > 1:
                return f"{a['path']}: gzip_percent {percent:.1f}% but {before} -> {after} is {100.0 * (after - before) / before:.1f}%"
        return None

    def real_baseline(edit):
        def make(ctx):
            ctx.webaudit("audit", "site", "--no-cache", "--no-config", "--format", "json", "-o", "base.json")
            report = json.loads((ctx.dir / "base.json").read_text())
            edit(report)
            (ctx.dir / "base.json").write_text(json.dumps(report))
        return make
    baseline_case("links-to-dev-zero", lambda ctx: ctx.link("base.json", "/dev/zero", base=ctx.dir), exits=(2,))
    baseline_case("is-a-fifo", lambda ctx: ctx.fifo("base.json", base=ctx.dir), exits=(2,))
    baseline_case("is-a-directory", lambda ctx: ctx.w("base.json/x", "x", base=ctx.dir), exits=(2,))
    baseline_case("sparse-1g", lambda ctx: open(ctx.path("base.json", ctx.dir), "wb").truncate(1 << 30), exits=(2,))
    baseline_case("65mib-of-spaces", lambda ctx: ctx.w("base.json", "{" + " " * (65 * MIB) + "}", base=ctx.dir), exits=(2,))
    baseline_case("json-nesting-1m", lambda ctx: ctx.w("base.json", "[" * 1000000, base=ctx.dir), exits=(2,))

    def set_sizes(value):
        def edit(report):
            for asset in report.get("assets", []):
                for key in ("raw", "gzip"):
                    asset[key] = value
            for total in report.get("totals", {}).get("by_type", {}).values():
                for key in ("raw", "gzip"):
                    total[key] = value
        return edit
    baseline_case("sizes-u64-max", real_baseline(set_sizes(18446744073709551615)), checks=[baseline_arithmetic])
    baseline_case("sizes-2^63-sum-overflows", real_baseline(set_sizes(1 << 63)), checks=[baseline_arithmetic])
    baseline_case("sizes-negative", real_baseline(set_sizes(-1)))
    baseline_case("sizes-float-1e300", real_baseline(set_sizes(1e300)))
    baseline_case("sizes-zero", real_baseline(set_sizes(0)))
    baseline_case("schema-999", real_baseline(lambda r: r.update(schema=999)), exits=(2,))

    def many_assets(report):
        first = report["assets"][0]
        report["assets"] = [dict(first) for _ in range(100000)]
    baseline_case("100k-assets-same-path", real_baseline(many_assets))

    def hostile_paths(report):
        first = report["assets"][0]
        for path in ("\x1b[31mgone.js", "x\n" + FORGED + "\n.js", "photo\u202egnp.js", "<img src=x onerror=alert(1)>.js"):
            entry = dict(first)
            entry["path"] = path
            entry["hash"] = "0" * 64
            report["assets"].append(entry)
    case("configs", "baseline-hostile-removed-paths", "removed assets named by the baseline are escaped in every format",
         lambda ctx: (ctx.w("app.js", script), ctx.w("style.css", ".a{}" * 300), real_baseline(hostile_paths)(ctx)),
         [A("--baseline", "base.json", "--max-increase", "5%")], forbidden=(("<img src=x onerror", "markdown"),))


# ---- fixers (single runs; the SIGKILL trials are below) -------------------------------------

def define_fixers():
    png = lambda seed=71: image_bytes("PNG", 96, 64, seed=seed)
    rewrite = [A(), O("--webp", "--rewrite-html")]
    inserted = "the page gets only insertions (<picture>, width/height, loading), escaped; text that is not an <img> element is left as it was"

    def page_case(name, page, extra=None, checks=(), expect=inserted):
        def build(ctx):
            ctx.w("photo.png", png())
            for rel, data in (extra or {}).items():
                ctx.w(rel, data)
            ctx.w("index.html", page)
        case("fixers", name, expect, build, rewrite, checks)
    page_case("rewrite-html-invalid-utf8", b'<html><p>\xff\xfe caf\xe9</p><img src="photo.png"></html>')
    page_case("rewrite-html-nul-bytes", b'<html>\0<img src="photo.png">\0</html>')
    page_case("rewrite-html-unterminated-img-at-eof", '<html><img src="photo.png"')
    page_case("rewrite-html-crlf-bom", '\ufeff<html>\r\n<body>\r\n<img src="photo.png">\r\n</body>\r\n</html>\r\n')
    page_case("rewrite-html-utf16", '\ufeff<html><img src="photo.png"></html>'.encode("utf-16-le"))
    page_case("rewrite-html-100k-imgs", '<img src="photo.png">\n' * 100000)
    verbatim = ['<!-- <img src="photo.png"> -->', "document.write('<img src=\"photo.png\">')",
                '<textarea><img src="photo.png"></textarea>', '<title><img src="photo.png"></title>',
                '<template><img src="photo.png"></template>', '<noscript><img src="photo.png"></noscript>']
    page_case("rewrite-html-img-text-in-comment-script-textarea",
              "<html><head><title><img src=\"photo.png\"></title></head><body>" + verbatim[0] + "<script>" + verbatim[1] + "</script>"
              + verbatim[2] + verbatim[4] + verbatim[5] + '<svg><image href="photo.png"/></svg><img src="photo.png"></body></html>',
              checks=[custom(lambda ctx, v=v: v in (ctx.site / "index.html").read_text(errors="replace"), f"rewrote inside {v[:30]!r}") for v in verbatim[:4]])
    page_case("rewrite-html-quote-in-file-name", "<html><img src='q\".png'></html>", extra={'q".png': png(72)},
              checks=[custom(lambda ctx: 'q".webp"' not in (ctx.site / "index.html").read_text(errors="replace"),
                             "a file name with a quote was inserted unescaped into an attribute")])
    page_case("rewrite-html-partial-srcset", '<img src="photo.png" srcset="photo.png 1x, missing.png 2x">',
              expect="an <img> whose srcset has a candidate without a copy is left alone",
              checks=[custom(lambda ctx: "<picture" not in (ctx.site / "index.html").read_text(), "wrapped an <img> whose srcset has no copy for missing.png")])

    def unrelated_webp(ctx):
        ctx.w("photo.png", png(73))
        ctx.w("photo.webp", image_bytes("WEBP", 30, 30, seed=97))  # someone's own file, not a copy of photo.png
        ctx.w("index.html", '<!doctype html><img src="photo.png" alt="p">')
    case("fixers", "rewrite-html-beside-unrelated-webp", "photo.webp, left alone as not a copy of photo.png, is not offered by the page as photo.png's WebP",
         unrelated_webp, [O("--webp", "--rewrite-html")])

    def modes(ctx):
        ctx.w("photo.png", png(), mode=0o400)
        ctx.w("index.html", '<img src="photo.png">', mode=0o444)
        ctx.w("app.js", js_text(4000), mode=0o600)
    case("fixers", "read-only-modes-preserved", "replaced files keep their modes (0400 image, 0444 page); copies get their source's", modes,
         [O("--webp", "--rewrite-html"), C()],
         [custom(lambda ctx: not (ctx.site / "photo.webp").exists() or stat.S_IMODE((ctx.site / "photo.webp").stat().st_mode) == 0o400,
                 "photo.webp does not have its source's mode 0400"),
          custom(lambda ctx: not (ctx.site / "app.js.gz").exists() or stat.S_IMODE((ctx.site / "app.js.gz").stat().st_mode) == 0o600,
                 "app.js.gz does not have its source's mode 0600")])

    def hard_links(ctx):
        ctx.w("photo.png", png(), base=ctx.outside)
        os.link(ctx.outside / "photo.png", ctx.site / "photo.png")
        ctx.w("victim.gz", gzip.compress(b"victim" * 1000, mtime=0), base=ctx.outside)
        ctx.w("app.js", js_text(4000))
        os.link(ctx.outside / "victim.gz", ctx.site / "app.js.gz")
    case("fixers", "hard-links-to-outside", "a replaced file that is a hard link never changes the other name (outside/ unchanged)",
         hard_links, [O("--webp"), C("--force")])

    def odd_formats(ctx):
        base = noise_image(80, 60, 81)
        variants = {"gray1.png": base.convert("1"), "gray-alpha.png": base.convert("LA"), "palette.png": base.convert("P"),
                    "gray16.png": base.convert("I;16"), "cmyk.jpg": base.convert("CMYK"), "gray.jpg": base.convert("L"),
                    "transparent.gif": base.convert("P")}
        for rel, image in variants.items():
            buffer = io.BytesIO()
            options = {"transparency": 0} if rel.endswith(".gif") else {}
            image.save(buffer, {"png": "PNG", "jpg": "JPEG", "gif": "GIF"}[rel.rsplit(".", 1)[1]], **options)
            ctx.w(rel, buffer.getvalue())
    case("fixers", "odd-pixel-formats", "every colour type is optimised losslessly or left alone; every copy decodes", odd_formats,
         [A(), O("--webp", "--lossy", "--max-width", "40")])


# ---- hostile servers for check-url ----------------------------------------------------------

def define_servers():
    script = js_text(4000, seed=9)

    def site(ctx):
        ctx.w("index.html", '<script src="app.js"></script><link rel="stylesheet" href="style.css">')
        ctx.w("app.js", script)
        ctx.w("style.css", ".a{color:red}\n" * 100)
    servers = [
        ("never-answers", {"kind": "never"}, "every asset server/missing after the timeout; the run ends"),
        ("slowloris-header-lines", {"kind": "slowloris"}, "a header line every second never completes: the per-request timeout ends it"),
        ("slowloris-bytes", {"kind": "slowloris-bytes"}, "one byte every 0.5 s: the timeout ends it"),
        ("slow-body", {"kind": "slow-body"}, "headers then a trickling body: the body is not read"),
        ("redirect-to-metadata", {"kind": "redirect", "option": "http://169.254.169.254/latest/meta-data/"}, "the redirect to a link-local address is not followed"),
        ("redirect-to-private-10", {"kind": "redirect", "option": "http://10.0.0.1/x"}, "the redirect to a private address is not followed"),
        ("redirect-to-metadata-decimal", {"kind": "redirect", "option": "http://2852039166/"}, "169.254.169.254 written as a decimal integer is not followed"),
        ("redirect-to-metadata-v4-mapped", {"kind": "redirect", "option": "http://[::ffff:169.254.169.254]/"}, "169.254.169.254 as an IPv4-mapped IPv6 address is not followed"),
        ("redirect-to-metadata-hex", {"kind": "redirect", "option": "http://0xA9FEA9FE/"}, "169.254.169.254 in hex is not followed"),
        ("redirect-to-file-scheme", {"kind": "redirect", "option": "file:///etc/passwd"}, "a redirect to file:// is refused"),
        ("redirect-loop", {"kind": "redirect", "option": "SELF"}, "a redirect loop ends (at most 5 hops)"),
        ("redirect-chain-1000", {"kind": "redirect-chain"}, "a long redirect chain ends at the limit"),
        ("huge-headers-100mb", {"kind": "huge-headers"}, "headers over a bound are refused; bounded memory"),
        ("huge-header-line-100mb", {"kind": "huge-header-line"}, "one 100 MB header line is refused; bounded memory"),
        ("huge-status-line", {"kind": "huge-status"}, "a 50 MB status line is refused"),
        ("infinite-body", {"kind": "infinite-body"}, "an endless body is never read"),
        ("infinite-chunked-body", {"kind": "infinite-chunked"}, "an endless chunked body is never read"),
        ("content-length-huge", {"kind": "content-length-huge"}, "an absurd Content-Length is not trusted"),
        ("chunk-size-huge", {"kind": "chunk-size-huge"}, "an absurd chunk size is not trusted"),
        ("100-continue-flood", {"kind": "continue-flood"}, "endless 100 Continue responses end at the timeout"),
        ("garbage", {"kind": "garbage"}, "a non-HTTP answer is a per-asset error"),
        ("connection-reset", {"kind": "reset"}, "a reset is a per-asset error"),
        ("http-0.9", {"kind": "http09"}, "an HTTP/0.9 answer is a per-asset error"),
        ("header-values-with-controls", {"kind": "header-values"}, "server-sent header values are escaped in every format"),
        ("status-999-with-escape", {"kind": "status-weird"}, "an odd status line is reported escaped"),
    ]
    for name, server, expect in servers:
        case("servers", name, expect, site, [U()], [trap_clear(), within(60)], server=server)

    def names_site(ctx):
        site(ctx)
        for stem in ("x\n" + FORGED, "\x1b[31mred", "a b#c?d%e", "photo\u202egnp"):
            ctx.w(stem + ".js", script)
    case("servers", "hostile-names-requested", "names are percent-encoded in the URLs and escaped in the report", names_site, [U()],
         [trap_clear(), within(60)], server={"kind": "ok"})


def read_request(connection):
    connection.settimeout(3)
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = connection.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    connection.settimeout(None)
    return data


def serve_connection(connection, kind, option):
    try:
        if kind == "reset":  # after the request (the reachability probe sends none and gets through)
            read_request(connection)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if kind == "never":
            time.sleep(600)
            return
        request = read_request(connection)
        path = request.split(b" ")[1].decode("latin-1") if request.count(b" ") >= 2 else "/"
        send = connection.sendall
        if kind == "ok":
            content_type = {"js": "text/javascript", "css": "text/css", "html": "text/html"}.get(path.rsplit(".", 1)[-1], "application/octet-stream")
            send(f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".encode())
        elif kind == "slowloris":
            send(b"HTTP/1.1 200 OK\r\n")
            for i in range(100000):
                send(b"X-Slow-%d: 1\r\n" % i)
                time.sleep(1)
        elif kind == "slowloris-bytes":
            for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Slow: 1\r\n" * 100000:
                send(bytes([byte]))
                time.sleep(0.5)
        elif kind == "slow-body":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\nContent-Length: 100000000\r\n\r\n")
            for _ in range(100000):
                send(b"a")
                time.sleep(0.5)
        elif kind == "redirect":
            location = f"http://127.0.0.1:{SERVER_PORT}{path}" if option == "SELF" else option
            send(f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        elif kind == "redirect-chain":
            number = int(re.sub(r"\D", "", path.rsplit("/r", 1)[-1]) or 0) if "/r" in path else 0
            send(f"HTTP/1.1 301 Moved\r\nLocation: /r{number + 1}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        elif kind == "huge-headers":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\n")
            line = b"X-Big: " + b"a" * 90 + b"\r\n"
            block = line * 10000
            for _ in range(100):
                send(block)
            send(b"Content-Length: 0\r\n\r\n")
        elif kind == "huge-header-line":
            send(b"HTTP/1.1 200 OK\r\nX-Big: ")
            block = b"a" * MIB
            for _ in range(100):
                send(block)
            send(b"\r\n\r\n")
        elif kind == "huge-status":
            send(b"HTTP/1.1 200 ")
            for _ in range(50):
                send(b"A" * MIB)
            send(b"\r\n\r\n")
        elif kind == "infinite-body":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\n\r\n")
            block = b"\0" * MIB
            while True:
                send(block)
        elif kind == "infinite-chunked":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\nTransfer-Encoding: chunked\r\n\r\n")
            block = b"100000\r\n" + b"a" * 0x100000 + b"\r\n"
            while True:
                send(block)
        elif kind == "content-length-huge":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\nContent-Length: 99999999999999999999999999\r\n\r\n")
            while True:
                send(b"a" * MIB)
        elif kind == "chunk-size-huge":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFFFF\r\n")
            while True:
                send(b"a" * MIB)
        elif kind == "continue-flood":
            while True:
                send(b"HTTP/1.1 100 Continue\r\n\r\n" * 1000)
        elif kind == "garbage":
            send(random.Random(1).randbytes(MIB))
        elif kind == "http09":
            send(b"<html>no status line</html>")
        elif kind == "header-values":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: text/\xc2\x9b31mjavascript\xe2\x80\xae\r\n"
                 b"Cache-Control: max-age=1 \xe2\x80\xae ::error file=forged.js::FORGED\r\n"
                 b"Content-Encoding: \xc2\x9b2J gzip\r\nContent-Length: 0\r\n\r\n")
        elif kind == "status-weird":
            send(b"HTTP/1.1 999 \xc2\x9b31mWeird \xe2\x80\xae\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        pass
    finally:
        try:
            connection.close()
        except OSError:
            pass


def listen(address, port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(128)
    return listener


def accept_forever(listener, handler):
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=handler, args=(connection,), daemon=True).start()


def netns_helper(spec_path):
    """Runs inside `unshare -n`: trap listeners on TRAPS, the hostile server on 127.0.0.1, then
    the case's commands; writes their results and the traps' hits."""
    spec = json.loads(Path(spec_path).read_text())
    hits = []
    lock = threading.Lock()

    def trap(address, port):
        def handle(connection):
            connection.settimeout(2)
            try:
                request = connection.recv(300)
            except OSError:
                request = b""
            with lock:
                hits.append({"address": f"{address}:{port}", "request": request.split(b"\r\n")[0].decode("latin-1")})
            try:
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nTRAP")
                connection.close()
            except OSError:
                pass
        return handle
    for address in TRAPS:
        for port in (80, 443):
            threading.Thread(target=accept_forever, args=(listen(address, port), trap(address, port)), daemon=True).start()
    server = spec.get("server")
    if server:
        listener = listen("127.0.0.1", SERVER_PORT)
        threading.Thread(target=accept_forever, args=(listener, lambda c: serve_connection(c, server["kind"], server.get("option"))), daemon=True).start()
    results = []
    for step in spec["steps"]:
        results.append(run_process(step["argv"], spec["cwd"], step["stdout"], step["stderr"], step["timeout"]))
    with lock:
        Path(spec["result"]).write_text(json.dumps({"results": results, "traps": hits}))
    sys.stdout.flush()
    os._exit(0)


# --------------------------------------------------------------------------------------------
# Running a case
# --------------------------------------------------------------------------------------------


def allowed_for(steps):
    allowed = Allowed()
    for step in steps:
        if step.dry():
            continue
        if step.kind == "compress":
            allowed.new_suffixes |= {b".gz", b".br"}
            if "--force" in step.args:
                allowed.modify_suffixes |= {b".gz", b".br"}
        elif step.kind == "optimize":
            if "--webp" in step.args:
                allowed.new_suffixes.add(b".webp")
            if "--avif" in step.args:
                allowed.new_suffixes.add(b".avif")
            if "--force" in step.args:
                allowed.modify_suffixes |= {b".webp", b".avif"}
            if "--copies-only" not in step.args:
                allowed.modify_images = True
            if "--rewrite-html" in step.args:
                allowed.modify_html = True
    return allowed


def force_remove(path):
    if not os.path.lexists(path):
        return
    for rel, info, fd, name in walk(os.fsencode(path)):
        if stat.S_ISDIR(info.st_mode):
            os.chmod(name, 0o755, dir_fd=fd, follow_symlinks=False)
    os.chmod(path, 0o755)
    shutil.rmtree(path)


def excerpt(data, limit=300):
    text = data.decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if line.strip()]
    pick = [line for line in lines if "panicked" in line or line.startswith(("error", "Error", "fatal", "memory allocation"))]
    chosen = (pick or lines[-3:])[:3]
    return show(" | ".join(chosen))[:limit]


def display(args, user=None):
    args = list(args)
    reports = [args[i + 1].split("=")[0] for i, a in enumerate(args[:-1]) if a == "--report" and args[i + 1].startswith(tuple(f"{f}=out/report." for f in REPORT_FORMATS))]
    if reports:
        args = [a for i, a in enumerate(args) if not (a == "--report" and args[i + 1].split("=")[0] in reports and "=out/report." in args[i + 1])
                and not (i > 0 and args[i - 1] == "--report" and "=out/report." in a)]
    words = ["webaudit"] + [a if re.fullmatch(r"[\w./=:%,@+-]+", a) else repr(show(a)) if not re.search(r"[^\x20-\x7e]", a) else "$'" + show(a) + "'" for a in args]
    if reports:
        words.append("--report {" + ",".join(reports) + "}=out/report.FORMAT")
    text = " ".join(w if len(w) < 160 else w[:120] + f"...({len(w)} chars)" for w in words)
    return (f"setpriv --reuid={user} " if user is not None else "") + text


def new_record(category, name, expect, big=False):
    return {"category": category, "name": name, "expect": expect, "big": big, "steps": [], "panicked": False,
            "aborted": False, "hung": False, "rss_mb": 0, "lost": [], "temporaries": [], "injections": [],
            "failures": [], "traps": []}


def evaluate_step(record, ctx, index, step, result, forbidden, user=None):
    stdout = read_capped(ctx.out / f"{index}.stdout")
    stderr = read_capped(ctx.out / f"{index}.stderr")
    command = display(step.args, user)
    record["steps"].append({"command": command, **result, "stderr": excerpt(stderr)})
    record["rss_mb"] = max(record["rss_mb"], round(result["rss_kb"] / 1024))
    texts = [stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")]
    found = injections(stdout, step.stdout_format(), forbidden) + injections(stderr, "stderr")
    parsed = {}
    for fmt, rel in step.reports.items():
        data = read_capped(ctx.dir / rel)
        if not data:
            continue
        size = os.path.getsize(ctx.dir / rel)
        record.setdefault("report_mb", {})[fmt] = round(size / MIB, 1)
        if size > len(data):  # over the 64 MiB read: scanned in part, not parsed
            record["failures"].append(f"[{index}] the {fmt} report is {size / MIB:.0f} MiB")
            texts.append(data.decode("utf-8", "replace"))
            found += injections(data[: data.rfind(b"\n") + 1], fmt, forbidden)
            continue
        texts.append(data.decode("utf-8", "replace"))
        found += injections(data, fmt, forbidden)
        try:
            if fmt in ("json", "sarif"):
                parsed[fmt] = json.loads(data)
            elif fmt == "junit":
                ElementTree.fromstring(data)
        except Exception as error:
            record["failures"].append(f"[{index}] the {fmt} report does not parse: {str(error)[:120]}")
    if step.stdout_format() in ("json", "fix-json") and stdout:
        try:
            parsed["stdout"] = json.loads(stdout)
        except ValueError as error:
            if result["exit"] in (0, 1):
                record["failures"].append(f"[{index}] the JSON on stdout does not parse: {str(error)[:120]}")
    if ctx.report is None and step.kind in ("audit", "check-url"):
        ctx.report = parsed.get("json") or (parsed.get("stdout") if step.stdout_format() == "json" else None)
    if step.kind in ("compress", "optimize") and "stdout" in parsed:
        ctx.fix_reports.append(parsed["stdout"])
    ctx.outputs += "\n".join(texts)
    for problem in found:
        if problem not in record["injections"]:
            record["injections"].append(problem)
    where = f"[{index}] `{command}`"
    why = excerpt(stderr)
    if b"panicked" in stderr:
        record["panicked"] = True
        record["failures"].append(f"{where} panicked: {why}")
    if result["hung"]:
        record["hung"] = True
        record["failures"].append(f"{where} hung: killed after {step.timeout} s; stderr: {why}")
    elif result["killed"]:
        pass
    elif result["signal"] is not None or result["exit"] == 134:
        record["aborted"] = True
        name = signal.Signals(result["signal"]).name if result["signal"] else "exit 134"
        if result["signal"] == signal.SIGXFSZ:
            name += f": an output reached the {FSIZE_LIMIT >> 20} MiB file-size limit"
        record["failures"].append(f"{where} aborted ({name}) after {result['seconds']:.1f} s, peak RSS {result['rss_kb'] // 1024} MB: {why}")
    elif result["exit"] not in step.exits:
        record["failures"].append(f"{where} exit {result['exit']} (expected {'/'.join(map(str, step.exits))}): {why}")
    if not result["hung"] and result["seconds"] > SLOW_SECONDS:
        record["failures"].append(f"{where} slow: {result['seconds']:.0f} s")
    if result["rss_kb"] / 1024 > ctx.case.rss_limit and not record["aborted"]:
        record["failures"].append(f"{where} peak RSS {result['rss_kb'] // 1024} MB (over {ctx.case.rss_limit} MB)")


def run_netns(ctx, argvs):
    spec = {"cwd": str(ctx.dir), "server": ctx.case.server, "result": str(ctx.out / "netns-result.json"),
            "steps": [{"argv": argv, "stdout": str(ctx.out / f"{i}.stdout"), "stderr": str(ctx.out / f"{i}.stderr"),
                       "timeout": step.timeout} for i, (argv, step) in enumerate(zip(argvs, ctx.case.steps))]}
    spec_path = ctx.out / "netns-spec.json"
    spec_path.write_text(json.dumps(spec))
    setup = "ip link set lo up && " + " && ".join(f"ip addr add {a}/32 dev lo" for a in TRAPS) + ' && exec "$0" "$1" --netns-helper "$2"'
    argv = ["unshare", "-n", "--", "sh", "-c", setup, sys.executable, str(SCRIPT), str(spec_path)]
    outer = run_process(argv, ctx.dir, ctx.out / "netns.stdout", ctx.out / "netns.stderr",
                        timeout=sum(s.timeout for s in ctx.case.steps) + 60)
    try:
        result = json.loads((ctx.out / "netns-result.json").read_text())
    except (OSError, ValueError):
        raise RuntimeError(f"the network-namespace helper failed (exit {outer['exit']}): {excerpt(read_capped(ctx.out / 'netns.stderr'))}")
    ctx.traps = result["traps"]
    return result["results"]


KEEP = False


def check_disk(work):
    free = shutil.disk_usage(work).free
    if free < MIN_FREE_DISK:
        raise SystemExit(f"stopping: only {free >> 20} MiB free on the disk of {work} (the machine is shared); free some space or use --work")


def run_case(c, binary, work):
    check_disk(work)
    directory = work / c.category / c.name
    force_remove(directory)
    ctx = Context(c, directory, binary)
    for folder in (ctx.site, ctx.outside, ctx.out):
        folder.mkdir(parents=True, exist_ok=True)
    record = new_record(c.category, c.name, c.expect, c.big)
    started = time.monotonic()
    try:
        c.build(ctx)
        before = {"site/": snapshot(os.fsencode(ctx.site)), "outside/": snapshot(os.fsencode(ctx.outside))}
        argvs = [wrap(binary, step.args, c.user) for step in c.steps]
        if c.netns:
            results = run_netns(ctx, argvs)
        else:
            results = [run_process(argv, ctx.dir, ctx.out / f"{i}.stdout", ctx.out / f"{i}.stderr", step.timeout)
                       for i, (argv, step) in enumerate(zip(argvs, c.steps))]
    except Exception as error:
        record["failures"].append(f"harness: {type(error).__name__}: {error}")
        record["harness_error"] = True
        if not KEEP:
            force_remove(directory)
        return record
    ctx.results = results
    for index, (step, result) in enumerate(zip(c.steps, results)):
        evaluate_step(record, ctx, index, step, result, c.forbidden, c.user)
    allowed = allowed_for(c.steps)
    for label, base in (("site/", ctx.site), ("outside/", ctx.outside)):
        problems, temporaries = compare(os.fsencode(base), before[label], snapshot(os.fsencode(base)),
                                        allowed if label == "site/" else Allowed(), label)
        record["lost"] += problems
        record["temporaries"] += temporaries
    if record["temporaries"]:
        record["failures"].append(f"temporaries left by complete runs: {', '.join(record['temporaries'][:3])}")
    record["failures"] += record["lost"][:8]
    record["failures"] += [f"injection: {p}" for p in record["injections"][:6]]
    for check in c.checks:
        reason = check(ctx)
        if reason:
            record["failures"].append(f"expect: {reason}")
    record["traps"] = ctx.traps
    record["seconds"] = round(time.monotonic() - started, 2)
    if not KEEP:
        force_remove(directory)
    return record


# --------------------------------------------------------------------------------------------
# SIGKILL trials of the fixers
# --------------------------------------------------------------------------------------------


def kill_site(kind, ctx):
    if kind == "compress":
        for i in range(3):
            ctx.w(f"assets/bundle{i}.js", js_text(300_000, seed=100 + i))
        ctx.w("assets/style.css", ".a{color:red;margin:0 auto}\n" * 1500)
        ctx.w("index.html", "<!doctype html><p>hello</p>\n" * 1500)
        ctx.w("logo.svg", '<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>\n' * 600)
        ctx.w("data.json", json.dumps([{"id": i, "name": f"item {i}"} for i in range(2000)]))
        ctx.w("app.js", js_text(30_000, seed=150))
        ctx.w("app.js.gz", gzip.compress(b"a user's own archive, not a copy of app.js" * 50, mtime=0))
    else:
        pages = []
        for i in range(5):
            ctx.w(f"img/p{i}.png", image_bytes("PNG", 560, 420, seed=200 + i))
            pages.append(f'<img src="img/p{i}.png" alt="p{i}">')
        for i in range(2):
            ctx.w(f"img/j{i}.jpg", image_bytes("JPEG", 900, 600, seed=210 + i, quality=95))
            pages.append(f'<img src="img/j{i}.jpg">')
        ctx.w("img/g.gif", image_bytes("GIF", 120, 90, seed=220))
        pages.append('<img src="img/g.gif">')
        ctx.w("img/p0.webp", image_bytes("WEBP", 40, 40, seed=230))  # someone's own, not a copy of p0.png
        ctx.w("index.html", "<!doctype html><html><body>\n" + "\n<p>text</p>\n".join(pages) + "\n</body></html>\n")
        ctx.w("about.html", "<!doctype html><html><body><h1>About</h1>\n" + "\n".join(reversed(pages)) + "\n</body></html>\n")
    ctx.w(".webaudit-tmp-notes.txt", "my own notes, not a temporary\n" * 100)
    ctx.w("sub/.webaudit-tmp-x", "keep\n" * 300)


def restore(site, pristine, before):
    """Originals back and outputs gone; temporaries stay for the next run to remove."""
    after = snapshot(os.fsencode(site))
    for rel, entry in before.items():
        if entry["type"] == "file" and after.get(rel, {}).get("digest") != entry["digest"]:
            shutil.copy2(os.path.join(os.fsencode(pristine), rel), os.path.join(os.fsencode(site), rel))
    for rel, entry in after.items():
        if rel not in before and entry["type"] == "file" and not TEMPORARY.match(rel.rsplit(b"/", 1)[-1]):
            os.unlink(os.path.join(os.fsencode(site), rel))


def kill_series(kind, trials, seed, binary, work):
    args = ["compress", "site", "--format", "json"] if kind == "compress" else \
        ["optimize", "site", "--format", "json", "--webp", "--rewrite-html"]
    steps = [Step(kind, args)]
    c = Case("fixers", f"kill-{kind}", "", None, steps)
    directory = work / "fixers" / f"kill-{kind}"
    force_remove(directory)
    ctx = Context(c, directory, binary)
    for folder in (ctx.site, ctx.outside, ctx.out):
        folder.mkdir(parents=True)
    kill_site(kind, ctx)
    pristine = directory / "pristine"
    shutil.copytree(ctx.site, pristine, symlinks=True)
    before = snapshot(os.fsencode(ctx.site))
    allowed = allowed_for(steps)
    argv = wrap(binary, args)
    rng = random.Random(seed)
    records = []
    expect_kill = ("after SIGKILL at a random moment: every original byte-identical (or, for an image or page the run "
                   "replaces, complete and decodable), every copy decodes, pages point only at copies that exist, "
                   "user files intact; the next run removes the temporaries")

    def one(name, index, kill_after, expect):
        record = new_record("fixers", name, expect)
        result = run_process(argv, directory, ctx.out / f"{index}.stdout", ctx.out / f"{index}.stderr", kill_after=kill_after)
        evaluate_step(record, ctx, index, steps[0], result, ())
        problems, temporaries = compare(os.fsencode(ctx.site), before, snapshot(os.fsencode(ctx.site)), allowed, "site/")
        record["lost"] = problems
        record["temporaries"] = temporaries
        record["failures"] += problems[:8] + [f"injection: {p}" for p in record["injections"][:4]]
        record["killed_after"] = None if kill_after is None else round(kill_after, 3)
        record["was_killed"] = result["killed"]
        return record, result, temporaries

    record, result, temporaries = one(f"kill-{kind}-00-uninterrupted", 0, None, "one complete run: every output decodes, no temporary")
    if temporaries:
        record["failures"].append(f"temporaries left by a complete run: {', '.join(temporaries[:3])}")
    records.append(record)
    full = max(result["seconds"], 0.3)
    restore(ctx.site, pristine, before)
    previous = []
    for trial in range(1, trials + 1):
        delay = rng.uniform(0.0, full)
        record, result, temporaries = one(f"kill-{kind}-{trial:02d}", trial, delay, expect_kill)
        stale = [t for t in previous if t in temporaries]
        if stale and delay >= max(1.0, full / 2):
            record["failures"].append(f"temporaries of the previous killed run still there after {delay:.1f} s of this run: {', '.join(stale[:2])}")
        record["temporaries_left"] = len(temporaries)
        records.append(record)
        restore(ctx.site, pristine, before)
        previous = temporaries
    record, result, temporaries = one(f"kill-{kind}-final", trials + 1, None,
                                      "a complete run after the kills removes every temporary and leaves none")
    if temporaries:
        record["failures"].append(f"temporaries remain after a complete run: {', '.join(temporaries[:3])}")
    report = ctx.fix_reports[-1] if ctx.fix_reports else {}
    record["temporaries_removed"] = len(report.get("temporaries_removed", []))
    records.append(record)
    if not KEEP:
        force_remove(directory)
    return records


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

CATEGORY_ORDER = ["images", "text", "maps", "precompressed", "names", "special", "configs", "fixers", "servers"]


def table(records):
    lines = ["| category | cases | failing | panics | aborts | hangs | max RSS | files lost/altered | injections |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    totals = [0] * 7
    max_rss = 0
    for category in CATEGORY_ORDER:
        rows = [r for r in records if r["category"] == category]
        if not rows:
            continue
        values = [len(rows), sum(bool(r["failures"]) for r in rows), sum(r["panicked"] for r in rows),
                  sum(r["aborted"] for r in rows), sum(r["hung"] for r in rows), sum(bool(r["lost"]) for r in rows),
                  sum(bool(r["injections"]) for r in rows)]
        rss = max(r["rss_mb"] for r in rows)
        max_rss = max(max_rss, rss)
        totals = [a + b for a, b in zip(totals, values)]
        lines.append(f"| {category} | " + " | ".join(map(str, values[:5])) + f" | {rss} MB | {values[5]} | {values[6]} |")
    lines.append("| **all** | " + " | ".join(f"**{v}**" for v in totals[:5]) + f" | **{max_rss} MB** | **{totals[5]}** | **{totals[6]}** |")
    return "\n".join(lines)


def failing_list(records):
    lines = []
    for category in CATEGORY_ORDER:
        for r in records:
            if r["category"] != category or not r["failures"]:
                continue
            reasons = "; ".join(dict.fromkeys(r["failures"]))
            if len(reasons) > 700:
                reasons = reasons[:700] + " …"
            lines.append(f"- **{category}/{r['name']}** — {reasons}")
    return "\n".join(lines)


def select_cases(arguments):
    CASES.clear()
    for define in (define_images, define_text, define_maps, define_precompressed, define_names, define_special,
                   define_configs, define_fixers, define_servers):
        define()
    chosen = [c for c in CASES if (arguments.big or not c.big)]
    if arguments.only:
        chosen = [c for c in chosen if arguments.only in f"{c.category}/{c.name}"]
    return chosen


def preflight():
    missing = [tool for tool in ("prlimit", "setpriv", "unshare", "ip") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"missing tools: {', '.join(missing)} (util-linux, iproute2)")
    if os.geteuid() != 0:
        print("warning: not root: the unreadable-file, device and check-url cases need root and will fail to build", file=sys.stderr)


def main():
    global SPAWNER, KEEP
    if len(sys.argv) == 3 and sys.argv[1] == "--netns-helper":
        netns_helper(sys.argv[2])
        return 0
    if sys.argv[1:] == ["--spawner"]:
        spawner_main()
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=DEFAULT_BINARY)
    parser.add_argument("--only", help="run only the cases whose category/name contains this")
    parser.add_argument("--big", action="store_true", help="also the largest versions (slow)")
    parser.add_argument("--json", type=Path, help="write every case's record here")
    parser.add_argument("--jobs", type=int, default=1, help="cases run at once (default 1)")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--kills", type=int, default=30, help="SIGKILL trials per fixer (default 30)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--keep", action="store_true", help="keep each case's folder and outputs (default: removed once checked)")
    arguments = parser.parse_args()
    sys.setrecursionlimit(10000)
    KEEP = arguments.keep
    cases = select_cases(arguments)
    kills = [kind for kind in ("compress", "optimize") if not arguments.only or arguments.only in f"fixers/kill-{kind}"]
    if arguments.list:
        for c in cases:
            print(f"{c.category}/{c.name}{' (big)' if c.big else ''}: {c.expect}")
        for kind in kills:
            print(f"fixers/kill-{kind}-NN: {arguments.kills} SIGKILL trials, then a complete run")
        return 0
    binary = arguments.binary.resolve()
    if not binary.is_file():
        print(f"{binary} is missing: cargo build --release", file=sys.stderr)
        return 2
    preflight()
    SPAWNER = Spawner()
    arguments.work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(f"{len(cases)} cases + {len(kills)} x {arguments.kills} SIGKILL trials; binary {binary}; work {arguments.work}", file=sys.stderr)
    records = []

    def progress(record):
        status = "FAIL" if record["failures"] else "ok"
        worst = max((s["seconds"] for s in record["steps"]), default=0)
        print(f"[{len(records):3d}] {status:4s} {record['category']}/{record['name']} ({worst:.1f} s, {record['rss_mb']} MB)", file=sys.stderr, flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, arguments.jobs)) as pool:
        futures = [pool.submit(run_case, c, binary, arguments.work) for c in cases]
        for future in futures:
            record = future.result()
            records.append(record)
            progress(record)
    for index, kind in enumerate(kills):
        for record in kill_series(kind, arguments.kills, arguments.seed + index, binary, arguments.work):
            records.append(record)
            progress(record)
    elapsed = time.monotonic() - started
    failing = [r for r in records if r["failures"]]
    print(f"## webaudit adversarial corpus: {len(records)} cases, {len(failing)} failing ({elapsed / 60:.1f} min)\n")
    print(f"Binary: `{binary}`; each run under `prlimit --as={AS_LIMIT}`, {HANG_SECONDS} s cap; max RSS is ru_maxrss.\n")
    print(table(records))
    if failing:
        print("\n### Failing cases\n")
        print(failing_list(records))
    if arguments.json:
        arguments.json.write_text(json.dumps({"binary": str(binary), "seconds": round(elapsed), "cases": records}, indent=1, default=str))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
