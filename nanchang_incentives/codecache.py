"""The methods ``dataclasses`` writes for the package's classes, compiled once and kept between runs.

Importing what ``calc`` needs creates some 70 frozen dataclasses. For each, ``dataclasses`` writes the source
of ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__`` and ``__delattr__`` and compiles it
with ``exec``: about half a millisecond a class on Python 3.11, 30-50 ms of every start of the console
script, a fifth of ``calc``'s wall time.

:func:`install` gives the ``dataclasses`` module an ``exec`` of its own (the name its code looks up first in
its module, then in builtins) that, for a class of this package, runs the code object compiled from exactly
that source text by an earlier run of the same Python (``sys.version``), and compiles and adds what it does
not find. A code object is what ``compile(text, "<string>", "exec")`` returns, the same as ``exec(text)``
compiles, so every class is built as it would be without the cache; another package's classes (and every
other use of ``exec``) go straight to the builtin.

Only the console script installs it (``import nanchang_incentives`` as a library changes nothing), only once
per process, and :func:`save` writes the table when this run compiled something new. The table lives beside
the catalogue cache (:mod:`.catalog_cache`), with its rules: only a regular file of the user's own in a
directory nobody else may write is read (marshal, like pickle, must never load what somebody else wrote);
anything else, a table of another Python or format, a corrupt or truncated one, is a miss; a cache that
cannot be written is ignored; ``INCENTIVES_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import builtins
import marshal
import sys
import zlib
from pathlib import Path
from types import CodeType
from typing import Any, BinaryIO

from . import catalog_cache

FORMAT = 2  # 2: compiled without this module's __future__ flags (1 had them)
MAX_TEXTS = 3000  # the classes of every command take ~600; more is old versions' sources, dropped on the next write
PREFIX = __name__.rpartition(".")[0] + "."  # "nanchang_incentives."

_codes: dict[str, CodeType] = {}
_used: set[str] = set()
_compiled = 0  # texts compiled in this run
_dirty = False  # the table has texts its file does not
_path: Path | None = None


def entry_path(directory: Path) -> Path:
    key = zlib.crc32(sys.version.encode("utf-8", "surrogateescape"))
    return directory / f"code-{key:08x}.marshal"


def _exec(source: Any, globals: dict[str, Any] | None = None, locals: Any = None, /) -> None:
    """``exec``, from the table for the source text of one of this package's dataclass methods."""
    global _compiled, _dirty
    if type(source) is str and globals is not None and str(globals.get("__name__", "")).startswith(PREFIX):
        code = _codes.get(source)
        if code is None:
            code = _codes[source] = compile(source, "<string>", "exec", dont_inherit=True)  # (not our __future__)
            _compiled += 1
            _dirty = True
        _used.add(source)
        source = code
    elif type(source) is str:  # compiled as dataclasses' own exec() would, not with this module's __future__
        source = compile(source, "<string>", "exec", dont_inherit=True)
    builtins.exec(source, globals, locals)  # noqa: S102 - dataclasses' own call, passed on


def _load(path: Path) -> dict[str, CodeType]:
    """The table at ``path``, or an empty one for anything but a current entry of this Python."""
    try:
        f = catalog_cache.open_entry(path)
        if f is None:
            return {}
        with f:
            kept = marshal.loads(f.read())
    except Exception:  # noqa: BLE001 - any failure is a miss
        return {}
    if not (isinstance(kept, tuple) and len(kept) == 3 and kept[:2] == (FORMAT, sys.version)
            and isinstance(kept[2], dict)):
        return {}
    table = kept[2]
    if not all(type(text) is str and type(code) is CodeType for text, code in table.items()):
        return {}
    return table


def install(directory: Path | None = None) -> bool:
    """Let ``dataclasses`` take this package's compiled methods from the table in ``directory`` (by default the
    cache directory); False (and nothing changed) when caching is off or it is installed already."""
    global _path
    import dataclasses

    if _path is not None:
        return False
    directory = directory or catalog_cache.cache_dir()
    if directory is None:
        return False
    _path = entry_path(directory)
    _codes.update(_load(_path))
    dataclasses.exec = _exec  # type: ignore[attr-defined]
    return True


def uninstall() -> None:
    """Give ``dataclasses`` back the builtin ``exec`` and forget the table (for tests)."""
    global _path, _compiled, _dirty
    import dataclasses

    dataclasses.__dict__.pop("exec", None)
    _path, _compiled, _dirty = None, 0, False
    _codes.clear()
    _used.clear()


def stats() -> tuple[int, int]:
    """(texts taken from the table, texts compiled) in this run."""
    return len(_used) - _compiled, _compiled


def save() -> None:
    """Write the table when this run compiled a text it did not have (at most ``MAX_TEXTS``, this run's first)."""
    global _dirty
    if _path is None or not _dirty:
        return
    table = _codes if len(_codes) <= MAX_TEXTS else {text: _codes[text] for text in _used}
    data = marshal.dumps((FORMAT, sys.version, table))

    def write(f: BinaryIO) -> None:
        f.write(data)

    if len(data) <= catalog_cache.MAX_ENTRY_BYTES:
        catalog_cache.keep_entry(_path, write)
    _dirty = False
