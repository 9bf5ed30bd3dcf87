"""Build flushpoint write logs by hand, for tests.

Written from the byte layout in nbd-plugin/fplog.h, independently of the C
writer, so that tests of the reader cross-check the two implementations.
Also holds a reference model of replay (LogBuilder.image) to compare
`flushpoint replay` against.

    b = LogBuilder(device_size=1 << 20)
    b.write(4096, b"x" * 512, fua=True)
    b.flush()
    b.mark("after first flush")
    b.save(path)                       # or b.data() for the bytes
    b.image(upto=1)                    # bytes of the disk after entries 0..1
"""
import ctypes
import struct

MAGIC = b"FPLOG\0\r\n"
VERSION = 1
HDR_FIXED = 96
ENTRY_MAGIC = 0x31455046
ENTRY_HDR = 56
MAX_PAYLOAD = 64 << 20

WRITE, TRIM, ZERO, FLUSH, MARK, FAULT = 1, 2, 3, 4, 5, 6
F_FUA, F_FAILED = 1, 2
H_BASE_IMAGE = 1

_xxhash = ctypes.CDLL("libxxhash.so.0")
_xxhash.XXH3_64bits.restype = ctypes.c_uint64
_xxhash.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]


def xxh3(data: bytes) -> int:
    """XXH3-64 of data, from the system libxxhash (the same as the C side)."""
    return _xxhash.XXH3_64bits(bytes(data), len(data))


def pad8(n: int) -> int:
    return (n + 7) & ~7


def header(device_size, sector_size=512, uuid=bytes(range(16)), base_path=None,
           base_size=0, base_checksum=0, created_ns=0, version=VERSION,
           flags=None, fix_checksum=True):
    """The file header.  base_path=None means the disk starts from zeroes."""
    path = base_path.encode() if isinstance(base_path, str) else (base_path or b"")
    if flags is None:
        flags = H_BASE_IMAGE if base_path is not None else 0
    hlen = pad8(HDR_FIXED + len(path))
    h = bytearray(hlen)
    h[0:8] = MAGIC
    struct.pack_into("<IIII", h, 8, version, hlen, flags, sector_size)
    h[24:40] = uuid
    struct.pack_into("<QQQQI", h, 40, device_size, created_ns, base_size,
                     base_checksum, len(path))
    h[HDR_FIXED:HDR_FIXED + len(path)] = path
    if fix_checksum:
        struct.pack_into("<Q", h, 80, xxh3(bytes(h)))
    return bytes(h)


def entry(seq, type_, offset=0, length=None, payload=b"", flags=0,
          timestamp_ns=0):
    """One entry: 56-byte header, payload, zero padding to 8 bytes."""
    if length is None:
        length = len(payload) if type_ in (WRITE, MARK) else 0
    e = bytearray(struct.pack("<IBBHII", ENTRY_MAGIC, type_, flags, 0,
                              len(payload), 0))
    e += struct.pack("<QQQQQ", seq, offset, length, timestamp_ns, 0)
    csum = xxh3(bytes(e) + payload)
    struct.pack_into("<Q", e, 48, csum)
    e += payload + bytes(pad8(len(payload)) - len(payload))
    return bytes(e)


class LogBuilder:
    def __init__(self, device_size=1 << 20, sector_size=512, base=None,
                 base_path="base.img", created_ns=0):
        """base: the bytes of a base image (recorded under base_path)."""
        self.device_size = device_size
        self.base = base
        if base is None:
            self.hdr = header(device_size, sector_size, created_ns=created_ns)
        else:
            self.hdr = header(device_size, sector_size, base_path=base_path,
                              base_size=len(base), base_checksum=xxh3(base),
                              created_ns=created_ns)
        self.entries = []       # (type, flags, offset, length, payload)

    def _add(self, type_, offset=0, length=None, payload=b"", flags=0):
        if length is None:
            length = len(payload) if type_ in (WRITE, MARK) else 0
        self.entries.append((type_, flags, offset, length, payload))
        return len(self.entries) - 1

    def write(self, offset, data, fua=False):
        return self._add(WRITE, offset, None, bytes(data), F_FUA if fua else 0)

    def trim(self, offset, length, fua=False):
        return self._add(TRIM, offset, length, b"", F_FUA if fua else 0)

    def zero(self, offset, length, fua=False):
        return self._add(ZERO, offset, length, b"", F_FUA if fua else 0)

    def flush(self):
        return self._add(FLUSH)

    def mark(self, text):
        return self._add(MARK, 0, None, text.encode() if isinstance(text, str) else text)

    def fault(self, text, offset=0, length=0):
        return self._add(FAULT, offset, length, text.encode(), F_FAILED)

    def entry_bytes(self, i, timestamp_ns=0):
        t, f, o, l, p = self.entries[i]
        return entry(i, t, o, l, p, f, timestamp_ns)

    def offsets(self):
        """File offset of each entry, and of the end."""
        offs, pos = [], len(self.hdr)
        for i in range(len(self.entries)):
            offs.append(pos)
            pos += len(self.entry_bytes(i))
        return offs + [pos]

    def data(self, timestamp_ns=0):
        return self.hdr + b"".join(self.entry_bytes(i, timestamp_ns)
                                   for i in range(len(self.entries)))

    def save(self, path, timestamp_ns=0):
        with open(path, "wb") as f:
            f.write(self.data(timestamp_ns))
        return path

    def image(self, upto=None):
        """Reference replay: the disk after entries 0..upto (None: all,
        -1: none)."""
        img = bytearray(self.device_size)
        if self.base is not None:
            img[:len(self.base)] = self.base
        last = len(self.entries) - 1 if upto is None else upto
        for t, _f, o, l, p in self.entries[:last + 1]:
            if t == WRITE:
                img[o:o + l] = p
            elif t in (TRIM, ZERO):
                img[o:o + l] = bytes(l)
        return bytes(img)
