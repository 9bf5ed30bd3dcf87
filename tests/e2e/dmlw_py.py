"""An independent dm-log-writes reader, writer and replayer, written from
the kernel's struct definitions (drivers/md/dm-log-writes.c: struct
log_write_super, struct log_write_entry) and what xfstests' replay-log
does with them (src/log-writes/log-writes.c), not from our C code.

Layout: sector 0 holds the super (le64 magic, le64 version, le64
nr_entries, le32 sectorsize), zero-padded to sectorsize.  Entries start at
sector 1; each is one sector holding (le64 sector, le64 nr_sectors, le64
flags, le64 data_len) and, for a MARK, data_len bytes of text after those
32 bytes, zero-padded; then nr_sectors sectors of data unless the entry is
a DISCARD.
"""
import struct

MAGIC = 0x6a736677736872
VERSION = 1
FLUSH, FUA, DISCARD, MARK, METADATA = 1, 2, 4, 8, 16
SUPER = struct.Struct("<QQQI")
ENTRY = struct.Struct("<QQQQ")
MAX_ZERO = 128 << 20            # log-writes.c: log->max_zero_size


class Entry:
    def __init__(self, sector=0, nr_sectors=0, flags=0, data=b"", text=b""):
        self.sector, self.nr_sectors, self.flags = sector, nr_sectors, flags
        self.data = data        # the data sectors (a write)
        self.text = text        # the mark text (a MARK)

    def __repr__(self):
        return (f"Entry(sector={self.sector}, nr={self.nr_sectors}, "
                f"flags={self.flags}, data={len(self.data)}B, "
                f"text={self.text!r})")


class DmLog:
    """Build a dm-log-writes file entry by entry."""

    def __init__(self, sectorsize=512):
        self.ss = sectorsize
        self.entries = []

    def write(self, sector, data, fua=False, flush=False):
        assert len(data) % self.ss == 0 and data
        self.entries.append(Entry(sector, len(data) // self.ss,
                                  (FUA if fua else 0) | (FLUSH if flush else 0),
                                  data=data))

    def discard(self, sector, nr):
        self.entries.append(Entry(sector, nr, DISCARD))

    def flush(self):
        self.entries.append(Entry(0, 0, FLUSH))

    def mark(self, text):
        text = text.encode() if isinstance(text, str) else text
        self.entries.append(Entry(0, 0, MARK, text=text))

    def raw(self, sector, nr, flags, data_len, body=b"", data=b""):
        """An entry exactly as given (for malformed files)."""
        e = Entry(sector, nr, flags, data=data, text=body)
        e.data_len = data_len
        self.entries.append(e)

    def encode(self, nr_entries=None, magic=MAGIC, version=VERSION):
        ss = self.ss
        n = len(self.entries) if nr_entries is None else nr_entries
        out = bytearray(SUPER.pack(magic, version, n, ss).ljust(ss, b"\0"))
        for e in self.entries:
            dlen = getattr(e, "data_len", len(e.text))
            hdr = ENTRY.pack(e.sector, e.nr_sectors, e.flags, dlen) + e.text
            out += hdr.ljust(ss, b"\0")
            out += e.data
        return bytes(out)

    def save(self, path, **kw):
        path.write_bytes(self.encode(**kw))
        return path


def read(path):
    """(sectorsize, [Entry]) of a well-formed file; raises ValueError."""
    buf = path.read_bytes()
    magic, version, n, ss = SUPER.unpack_from(buf, 0)
    if magic != MAGIC or version != VERSION:
        raise ValueError("bad super")
    pos, out = ss, []
    for _ in range(n):
        sector, nr, flags, dlen = ENTRY.unpack_from(buf, pos)
        sec = buf[pos:pos + ss]
        if len(sec) < ss:
            raise ValueError("truncated")
        text = bytes(sec[32:32 + dlen]) if flags & MARK else b""
        if any(sec[32 + len(text):]):
            raise ValueError(f"padding at {pos}")
        pos += ss
        data = b""
        if not flags & DISCARD and nr:
            data = bytes(buf[pos:pos + nr * ss])
            if len(data) < nr * ss:
                raise ValueError("truncated data")
            pos += nr * ss
        out.append(Entry(sector, nr, flags, data=data, text=text))
    return ss, out


def _apply(img, ss, e):
    if not e.nr_sectors or e.flags & MARK:
        return
    start, length = e.sector * ss, e.nr_sectors * ss
    if e.flags & DISCARD:
        if length <= MAX_ZERO:
            img[start:start + length] = bytes(length)
        return
    end = start + length
    if end > len(img):
        img.extend(bytes(end - len(img)))
    img[start:end] = e.data


def replay_points(path, limits, size):
    """{limit: sha256 hex of replay(path, limit, size)} for each limit,
    in one pass."""
    import hashlib
    ss, entries = read(path)
    img, out = bytearray(size), {}
    want = sorted(set(limits))
    for i, e in enumerate(entries, start=1):
        _apply(img, ss, e)
        if i in want:
            out[i] = hashlib.sha256(img).hexdigest()
    return out


def replay(path, limit, size):
    """The image replay-log --limit LIMIT leaves on a zeroed regular file
    of size bytes: entries 0..limit-1 (limit 0: all, as replay-log takes
    it), writes applied, DISCARDs zeroed (BLKDISCARD fails on a file, so
    zero_range() writes zeroes, for chunks up to max_zero_size), FLUSH and
    MARK applying nothing."""
    ss, entries = read(path)
    img = bytearray(size)
    for i, e in enumerate(entries):
        if limit and i >= limit:
            break
        _apply(img, ss, e)
    return bytes(img)
