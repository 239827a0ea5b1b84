"""The bundled catalogue, kept loaded between runs: what saves ``calc`` parsing the policy tables each time.

Reading and checking the bundled tables (``fields.toml``, the vocabulary, the
reference LPR and the three policies) takes 15-40 ms of every command; reading
them back from a pickle of the :class:`~.policy.Catalog` they make takes about
2 ms.

What the cache may never do is answer from tables or code that have changed, so
an entry is used only when its stamp equals the stamp taken now:

* the format of this cache, the Python and package versions, the bundled directory;
* the path and the *contents* (a BLAKE2 digest, 0.3 ms) of every file under it:
  an edit of one digit of a rate, copied back with its old modification time
  (``cp -p``, ``rsync -a``, unzip), is a miss;
* the path, size and modification time of every module of the package, what
  Python itself trusts for its ``.pyc`` files (a package without its sources,
  e.g. frozen into one executable, is not cached at all).

Anything else is a miss: the tables are read as if there were no cache, and the
entry is replaced. An entry is only ever read from a directory and a file that
belong to the user and that nobody else may write (POSIX), and only a regular
file of at most 4 MB; a pickle put there by somebody else is never loaded. A
cache that cannot be read or written (a read-only home, a corrupt file, another
Python, somebody else's directory) is ignored: the run reads the tables.

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
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from . import __version__

try:  # hashlib's own source of BLAKE2, without the 3 ms of importing hashlib (and OpenSSL) at every start
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b

if TYPE_CHECKING:
    from .policy import Catalog

ENV_CACHE_DIR = "INCENTIVES_CACHE_DIR"
ENV_NO_CACHE = "INCENTIVES_NO_CACHE"
FORMAT = 2  # of an entry: the pickled stamp, then the pickled catalogue; a new number whenever that changes
PACKAGE = Path(__file__).resolve().parent
MAX_ENTRY_BYTES = 4 << 20  # the bundled catalogue pickles to ~80 kB
STALE_SECONDS = 30 * 86400  # other entries (another checkout, another Python) not written this long are removed

Stamp = tuple[object, ...]
#: the names of the entries (and, with a dot, of their temporary files): the catalogue, codecache's code
ENTRY_KINDS = ("catalog-", ".catalog-", "code-", ".code-")


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
        return None
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "incentives"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "incentives"
    return home / ".cache" / "incentives"


def _walk(root: Path) -> list[str]:
    """The paths of every file below ``root`` (``__pycache__`` aside), sorted; an unreadable directory fails."""
    def fail(exc: OSError) -> None:
        raise exc

    found = []
    for here, dirs, names in os.walk(root, onerror=fail):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [os.path.join(here, name) for name in names]
    return sorted(found)


def stamp(base: Path) -> Stamp | None:
    """What an entry for the bundled directory ``base`` must have been made from to be used now; None when the
    package has no sources to stamp (then nothing is cached). Raises OSError when a file cannot be read."""
    tables = []
    for path in _walk(base):
        with open(path, "rb") as f:
            tables.append((os.path.relpath(path, base), blake2b(f.read(), digest_size=16).digest()))
    code = []
    for path in _walk(PACKAGE):
        if path.endswith(".py"):
            st = os.stat(path)
            code.append((os.path.relpath(path, PACKAGE), st.st_size, st.st_mtime_ns))
    if not code:
        return None
    return (FORMAT, sys.version, __version__, str(base), tuple(tables), tuple(code))


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
    except OSError:  # a file vanished or cannot be read: no stamp to trust
        now = None
    if now is None:
        return build()
    path = entry_path(directory, base)
    catalog = _read(path, now)
    if catalog is not None:
        return catalog
    catalog = build()

    def write(f: BinaryIO) -> None:
        pickle.dump(now, f, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(catalog, f, protocol=pickle.HIGHEST_PROTOCOL)

    keep_entry(path, write)
    return catalog


def _private(st: os.stat_result) -> bool:
    """The user's own, and writable by nobody else (always true where there are no owners: Windows)."""
    if not hasattr(os, "getuid"):
        return True
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(path: Path, now: Stamp) -> Catalog | None:
    """The catalogue of the entry at ``path`` if its stamp is ``now``; None for anything else: missing, not a
    regular file (a FIFO is not waited on), too big, not the user's own, truncated, from other code."""
    try:
        f = open_entry(path)
        if f is None:
            return None
        with f:
            if pickle.load(f) != now:  # the stamp first: the catalogue is only unpickled when it is current
                return None
            catalog = pickle.load(f)
    except Exception:  # noqa: BLE001 - any failure is a miss
        return None
    from .policy import Catalog

    return catalog if isinstance(catalog, Catalog) else None


def open_entry(path: Path) -> BinaryIO | None:
    """The entry at ``path`` opened for reading, or None unless it is a regular file (a FIFO is not waited on)
    of at most ``MAX_ENTRY_BYTES``, the user's own in a directory of the user's own that nobody else may write.
    Raises OSError when there is no such file."""
    if not _private(os.stat(path.parent)):
        return None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_BINARY", 0))
    f = os.fdopen(fd, "rb")
    st = os.fstat(f.fileno())
    if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES or not _private(st):
        f.close()
        return None
    return f


def keep_entry(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """``write`` the entry under a temporary name and rename it into place; on any failure, leave no trace.
    Also removes the other entries nobody has written for ``STALE_SECONDS`` (and leftover temporary files)."""
    import tempfile  # only on a miss

    tmp = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(os.stat(path.parent)):
            return  # somebody else's directory, or one others may write: nothing is kept there
        kind = path.name.split("-", 1)[0]
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
        tmp = None
        _prune(path)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache, not an error
        return
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _prune(kept: Path) -> None:
    """Remove the other entries of ``kept``'s directory not written for ``STALE_SECONDS``, and temporary files
    a killed run left behind a day ago or more."""
    now = time.time()
    for other in kept.parent.iterdir():
        if other == kept or not other.name.startswith(ENTRY_KINDS):
            continue
        st = other.lstat()
        age = now - st.st_mtime
        if stat.S_ISREG(st.st_mode) and age > (86400 if other.name.endswith(".part") else STALE_SECONDS):
            other.unlink()
