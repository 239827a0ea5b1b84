"""The bundled catalogue, kept loaded between runs: what saves ``calc`` parsing the policy tables each time.

Reading and checking the bundled tables (``fields.toml``, the vocabulary, the
reference LPR and the three policies) takes 20-40 ms of every command, a tenth
to a sixth of ``calc``'s whole run; reading them back from a pickle of the
:class:`~.policy.Catalog` they make takes about 2 ms.

What the cache may never do is answer from tables or code that have changed, so
an entry is used only when its stamp equals the stamp taken now: the format of
this cache, the Python and package versions, the bundled directory, and the
path, size and modification time of every file under it and of every module of
the package (what Python itself trusts for its ``.pyc`` files). Anything
else is a miss, and a miss loads the tables as if there were no cache, then
replaces the entry. A cache that cannot be read or written (a read-only home,
a corrupt file, another Python) is ignored: it can only make a run slower,
never fail it.

Only the bundled catalogue is kept: with ``--policies-dir`` or
``INCENTIVES_POLICIES_DIR`` every table is read again, since those are the
tables a user is editing.

Where: ``$INCENTIVES_CACHE_DIR``, else ``%LOCALAPPDATA%\\incentives\\cache``
(Windows), ``~/Library/Caches/incentives`` (macOS), ``$XDG_CACHE_HOME/incentives``
or ``~/.cache/incentives``. ``INCENTIVES_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import os
import pickle
import stat
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__

if TYPE_CHECKING:
    from .policy import Catalog

ENV_CACHE_DIR = "INCENTIVES_CACHE_DIR"
ENV_NO_CACHE = "INCENTIVES_NO_CACHE"
FORMAT = 1  # of the entry: (stamp, catalogue); a new one whenever that changes
PACKAGE = Path(__file__).resolve().parent

Stamp = tuple[object, ...]


def cache_dir() -> Path | None:
    """Where entries go, or None when caching is off."""
    if os.environ.get(ENV_NO_CACHE, "").strip() not in ("", "0"):
        return None
    given = os.environ.get(ENV_CACHE_DIR, "").strip()
    if given:
        return Path(given)
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "").strip()
        return Path(local) / "incentives" / "cache" if local else None
    try:
        home = Path.home()
    except (KeyError, RuntimeError):  # no home directory (a service account): no cache
        home = None
    if sys.platform == "darwin" and home is not None:
        return home / "Library" / "Caches" / "incentives"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "incentives"
    return home / ".cache" / "incentives" if home is not None else None


def _files(root: Path) -> list[tuple[str, int, int]]:
    """(path under ``root``, size, mtime in ns) of every file below it, ``__pycache__`` aside, sorted."""
    found = []
    for here, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in names:
            path = os.path.join(here, name)
            st = os.stat(path)
            found.append((os.path.relpath(path, root), st.st_size, st.st_mtime_ns))
    found.sort()
    return found


def stamp(base: Path) -> Stamp:
    """What an entry for the bundled directory ``base`` must have been made from to be used now."""
    code = [f for f in _files(PACKAGE) if f[0].endswith(".py")]
    return (FORMAT, sys.version, __version__, str(base), tuple(_files(base)), tuple(code))


def entry_path(directory: Path, base: Path) -> Path:
    """One entry per bundled directory and Python (a checkout and an installed copy do not evict each other)."""
    key = zlib.crc32(f"{base}\0{sys.version}".encode("utf-8", "surrogateescape"))
    return directory / f"catalog-{key:08x}.pickle"


def cached(base: Path, build: Callable[[], Catalog]) -> Catalog:
    """The catalogue ``build`` makes from ``base``: from the cache when its entry is current, else built and kept."""
    directory = cache_dir()
    if directory is None:
        return build()
    try:
        now = stamp(base)
    except OSError:  # a file vanished while it was listed: no stamp to trust
        return build()
    path = entry_path(directory, base)
    entry = _read(path)
    if entry is not None and entry[0] == now:
        return entry[1]
    catalog = build()
    _keep(path, (now, catalog))
    return catalog


def _read(path: Path) -> tuple[Stamp, Catalog] | None:
    """The entry at ``path``, or None: missing, not a regular file, truncated, from other code (any failure)."""
    try:
        # without blocking on a FIFO put in its place; only a regular file is read
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None
            kept, catalog = pickle.load(f)  # the user's own cache directory, written by _keep
    except Exception:  # noqa: BLE001 - any failure is a miss
        return None
    return kept, catalog


def _keep(path: Path, entry: tuple[Stamp, Catalog]) -> None:
    """Write the entry under a temporary name and rename it into place; on any failure, leave no trace."""
    import tempfile  # only on a miss

    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".catalog-", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(entry, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        tmp = None
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache, not an error
        return
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
