"""fplog_py: a small, independent Python reader of the flushpoint write log.

Written from nbd-plugin/LOG-FORMAT.md alone (not from the C code), so that
the end-to-end tests cross-check the C writer against the documented format.
Only the checksum function is borrowed: XXH3-64 from libxxhash through
ctypes (Debian has no python3-xxhash).

    log = fplog_py.parse("run.fpl")
    log.header.device_size, log.entries[0].payload, log.tail  # "clean"/"truncated"
    for i, entry, image in fplog_py.replay_steps(log): ...
"""

import ctypes
import ctypes.util
import struct
import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path

MAGIC = b"FPLOG\0\r\n"
VERSION = 1
HDR_FIXED = 96
ENTRY_MAGIC = 0x31455046
ENTRY_HDR = 56
MAX_PAYLOAD = 64 << 20
MAX_DEVICE = 1 << 44

WRITE, TRIM, ZERO, FLUSH, MARK, FAULT = 1, 2, 3, 4, 5, 6
TYPE_NAMES = {WRITE: "WRITE", TRIM: "TRIM", ZERO: "ZERO", FLUSH: "FLUSH",
              MARK: "MARK", FAULT: "FAULT"}
F_FUA = 1 << 0
F_FAILED = 1 << 1
H_BASE_IMAGE = 1 << 0

_libname = ctypes.util.find_library("xxhash") or "libxxhash.so.0"
_xxh = ctypes.CDLL(_libname)
_xxh.XXH3_64bits.restype = ctypes.c_uint64
_xxh.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]


def xxh3_64(data: bytes) -> int:
    """XXH3-64, seed 0, of data."""
    data = bytes(data)
    return _xxh.XXH3_64bits(data, len(data))


class FormatError(Exception):
    """The log is corrupt (not merely truncated at the tail)."""


@dataclass
class Header:
    version: int
    header_len: int
    flags: int
    sector_size: int
    uuid: uuidlib.UUID
    device_size: int
    created_ns: int
    base_size: int
    base_checksum: int
    base_path: str


@dataclass
class Entry:
    seq: int
    type: int
    flags: int
    offset: int
    length: int
    timestamp_ns: int
    payload: bytes
    file_offset: int

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.type, "?")

    @property
    def fua(self) -> bool:
        return bool(self.flags & F_FUA)


@dataclass
class Log:
    header: Header
    entries: list = field(default_factory=list)
    tail: str = "clean"          # "clean" or "truncated"
    tail_offset: int = 0         # where the truncated bytes start (or EOF)
    file_size: int = 0


def _pad8(n: int) -> int:
    return (8 - n % 8) % 8


def parse_header(data: bytes) -> Header:
    if len(data) < HDR_FIXED:
        raise FormatError(f"header: file is {len(data)} bytes, shorter "
                          f"than the {HDR_FIXED}-byte header")
    if data[0:8] != MAGIC:
        raise FormatError(f"header: bad magic {data[0:8]!r}")
    (version, header_len, flags, sector_size) = struct.unpack_from("<IIII", data, 8)
    uuid = uuidlib.UUID(bytes=bytes(data[24:40]))
    (device_size, created_ns, base_size, base_checksum) = struct.unpack_from("<QQQQ", data, 40)
    (path_len, reserved1) = struct.unpack_from("<II", data, 72)
    (hdr_sum, reserved2) = struct.unpack_from("<QQ", data, 80)
    if version != VERSION:
        raise FormatError(f"header: version {version}, expected {VERSION}")
    if header_len != HDR_FIXED + path_len + _pad8(HDR_FIXED + path_len):
        raise FormatError(f"header: header_len {header_len} does not match "
                          f"base_path_len {path_len}")
    if len(data) < header_len:
        raise FormatError("header: file shorter than header_len")
    if reserved1 or reserved2:
        raise FormatError("header: reserved field is not zero")
    zeroed = bytearray(data[:header_len])
    zeroed[80:88] = bytes(8)
    if xxh3_64(zeroed) != hdr_sum:
        raise FormatError("header: checksum mismatch")
    if any(data[HDR_FIXED + path_len:header_len]):
        raise FormatError("header: path padding is not zero")
    if sector_size not in (512, 1024, 2048, 4096):
        raise FormatError(f"header: sector_size {sector_size}")
    if not sector_size <= device_size <= MAX_DEVICE or device_size % sector_size:
        raise FormatError(f"header: device_size {device_size}")
    base_path = bytes(data[HDR_FIXED:HDR_FIXED + path_len]).decode()
    return Header(version, header_len, flags, sector_size, uuid, device_size,
                  created_ns, base_size, base_checksum, base_path)


def _header_rules(h: Header, f, expect_seq: int):
    """What is wrong with an entry header by the rules that do not need the
    payload ("Entry rules"), or None."""
    (magic, etype, flags, res16, plen, res32, seq, offset, length, ts,
     csum) = f
    in_dev = offset + length <= h.device_size
    if magic != ENTRY_MAGIC:
        return "bad magic"
    if plen > MAX_PAYLOAD:
        return "payload_len over the maximum"
    if res16 or res32:
        return "reserved bytes not zero"
    if seq != expect_seq:
        return f"seq is {seq}"
    if etype not in TYPE_NAMES:
        return f"unknown type {etype}"
    if flags & ~(F_FUA | F_FAILED) or (flags & F_FAILED and etype != FAULT):
        return f"bad flags {flags:#x}"
    if etype in (WRITE, TRIM, ZERO):
        if length == 0 or not in_dev:
            return "bad range"
        if (etype == WRITE) != (plen == length) or (etype != WRITE and plen):
            return "payload_len does not match"
    elif etype == FLUSH:
        if flags or offset or length or plen:
            return "FLUSH with flags, range or payload"
    elif etype == MARK:
        if flags or offset or length != plen or plen == 0:
            return "MARK flags, offset or length"
    elif etype == FAULT:
        if plen == 0:
            return "FAULT without text"
        if flags & F_FAILED:
            if not in_dev:
                return "FAULT range past the device"
        elif flags or offset or length:
            return "FAULT without FAILED has FUA or a range"
    return None


def _fault_text_rules(flags, offset, length, payload: bytes):
    text = payload[:-1] if payload.endswith(b"\n") else payload
    lines = text.split(b"\n")
    failed = bool(flags & F_FAILED)
    op = None
    for line in lines:
        words = line.split(b" ")
        if not line or any(not w for w in words):
            return "empty line or word"
        if any(not 0x21 <= c <= 0x7e for w in words for c in w):
            return "not printable ASCII"
        if words[0] not in ((b"fired",) if failed
                            else (b"armed", b"latency", b"cleared")):
            return f"bad event {words[0]!r}"
        for w in words[1:]:
            if w.find(b"=") < 1:
                return f"{w!r} is not key=value"
            if w.startswith(b"op="):
                op = w[3:].decode()
    if not failed:
        return None
    if len(lines) != 1:
        return "FAILED entry with several lines"
    if op == "FLUSH":
        return "failed FLUSH with a range or FUA" \
            if offset or length or flags & F_FUA else None
    if op not in ("READ", "WRITE", "TRIM", "ZERO"):
        return f"bad op {op!r}"
    if length == 0:
        return "failed request of length 0"
    if op == "READ" and flags & F_FUA:
        return "FUA on a failed READ"
    return None


def parse_bytes(data: bytes) -> Log:
    h = parse_header(data)
    log = Log(header=h, file_size=len(data))
    off = h.header_len

    def truncated():
        log.tail = "truncated"
        log.tail_offset = off
        return log

    while off < len(data):
        where = f"entry seq {len(log.entries)} at byte {off}"
        left = len(data) - off
        if left < ENTRY_HDR:
            return truncated()            # entry header cut short
        f = struct.unpack_from("<IBBHIIQQQQQ", data, off)
        (magic, etype, flags, res16, plen, res32, seq, offset, length, ts,
         csum) = f
        bad = _header_rules(h, f, len(log.entries))
        if bad:
            if not any(data[off:]):
                return truncated()        # nothing but zeroes left
            raise FormatError(f"{where}: {bad}")
        end = off + ENTRY_HDR + plen + _pad8(plen)
        if end > len(data):
            return truncated()            # claims more than is left
        hdr = bytearray(data[off:off + ENTRY_HDR])
        hdr[48:56] = bytes(8)
        payload = bytes(data[off + ENTRY_HDR:off + ENTRY_HDR + plen])
        if xxh3_64(bytes(hdr) + payload) != csum:
            raise FormatError(f"{where}: checksum mismatch")
        if any(data[off + ENTRY_HDR + plen:end]):
            raise FormatError(f"{where}: padding not zero")
        if etype == FAULT:
            bad = _fault_text_rules(flags, offset, length, payload)
            if bad:
                raise FormatError(f"{where}: FAULT text: {bad}")
        log.entries.append(Entry(seq, etype, flags, offset, length, ts,
                                 payload, off))
        off = end
    log.tail_offset = off
    return log


def parse(path) -> Log:
    return parse_bytes(Path(path).read_bytes())


def initial_image(log: Log, base: bytes = None) -> bytearray:
    """The device before entry 0."""
    img = bytearray(log.header.device_size)
    if log.header.flags & H_BASE_IMAGE:
        if base is None:
            base = Path(log.header.base_path).read_bytes()
        if len(base) != log.header.base_size or \
           xxh3_64(base) != log.header.base_checksum:
            raise FormatError("base image does not match the header")
        img[:len(base)] = base
    return img


def apply(img: bytearray, e: Entry) -> None:
    if e.type == WRITE:
        img[e.offset:e.offset + e.length] = e.payload
    elif e.type in (TRIM, ZERO):
        img[e.offset:e.offset + e.length] = bytes(e.length)


def replay_steps(log: Log, base: bytes = None):
    """Yield (index, entry, image) after applying each entry in turn.  The
    image is one bytearray updated in place: copy it to keep it."""
    img = initial_image(log, base)
    for i, e in enumerate(log.entries):
        apply(img, e)
        yield i, e, img


def replay(log: Log, upto: int, base: bytes = None) -> bytearray:
    """The image after entries[0:upto]."""
    img = initial_image(log, base)
    for e in log.entries[:upto]:
        apply(img, e)
    return img
