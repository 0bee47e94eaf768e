"""On-disk state of the embedded chain: the block log and the state checkpoint.

``blocks.jsonl`` is the source of truth: a genesis line, then one line per mined block
(and a line whenever the clock offset changes). ``state.ckpt`` is only a shortcut: a
copy of py-evm's whole key-value store as of one logged block, so that start-up
re-mines only the blocks after it. A checkpoint that is missing, damaged, or not on
the log's chain any more is ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

_MAGIC = b"IPLCKPT1"
_LENGTH = struct.Struct(">I")


class BlockLog:
    """Append-only JSON-lines file.

    Every append is flushed and fsync'ed before it returns. A line cut short by a crash
    (it was never acknowledged) is dropped when the log is read.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO | None = None

    def read(self) -> list[dict[str, Any]]:
        """All complete records; a torn last line is cut off the file."""
        if not self.path.exists():
            return []
        records: list[dict[str, Any]] = []
        good = 0
        with self.path.open("rb") as f:
            for raw in f:
                if not raw.endswith(b"\n"):
                    break
                try:
                    records.append(json.loads(raw))
                except ValueError:
                    break
                good += len(raw)
        if good != self.path.stat().st_size:
            log.warning("dropping a torn record at byte %d of %s", good, self.path)
            with self.path.open("r+b") as f:
                f.truncate(good)
                os.fsync(f.fileno())
        return records

    def append(self, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        if self._file is None:
            self._file = self.path.open("ab")
        self._file.write(b"".join(_line(r) for r in records))
        self._file.flush()
        os.fsync(self._file.fileno())

    def rewrite(self, records: list[dict[str, Any]]) -> None:
        """Replace the whole log atomically (used after a revert)."""
        self.close()
        _atomic_write(self.path, b"".join(_line(r) for r in records))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass(frozen=True)
class Checkpoint:
    """py-evm's key-value store as of block ``block`` (whose hash is ``block_hash``)."""

    block: int
    block_hash: str
    store: dict[bytes, bytes]


def write_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Write a checkpoint atomically: magic, JSON header, key/value pairs, sha256."""
    header = json.dumps(
        {"block": checkpoint.block, "hash": checkpoint.block_hash, "entries": len(checkpoint.store)}
    ).encode()
    parts = [_MAGIC, _LENGTH.pack(len(header)), header]
    for key, value in checkpoint.store.items():
        parts += [_LENGTH.pack(len(key)), key, _LENGTH.pack(len(value)), value]
    body = b"".join(parts)
    _atomic_write(path, body + hashlib.sha256(body).digest())


def read_checkpoint(path: Path) -> Checkpoint | None:
    """The checkpoint at ``path``, or None when it is missing or damaged."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    body, digest = data[:-32], data[-32:]
    if not body.startswith(_MAGIC) or hashlib.sha256(body).digest() != digest:
        log.warning("ignoring damaged checkpoint %s", path)
        return None
    offset = len(_MAGIC)
    (size,) = _LENGTH.unpack_from(body, offset)
    offset += _LENGTH.size
    header = json.loads(body[offset : offset + size])
    offset += size
    store: dict[bytes, bytes] = {}
    for _ in range(header["entries"]):
        (klen,) = _LENGTH.unpack_from(body, offset)
        key = body[offset + 4 : offset + 4 + klen]
        offset += 4 + klen
        (vlen,) = _LENGTH.unpack_from(body, offset)
        store[key] = body[offset + 4 : offset + 4 + vlen]
        offset += 4 + vlen
    return Checkpoint(header["block"], header["hash"], store)


def _line(record: dict[str, Any]) -> bytes:
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
