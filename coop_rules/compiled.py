"""What coop-rules computes from its own data files, kept on disk between runs.

Every process used to redo the same work before its first document: parse the label files
(``extraction/data/*.yaml``), build a trie-shaped pattern per label section and compile it.
Python parses and compiles a regular expression in pure Python (``re._parser``,
``re._compiler``) before its C engine (``_sre``) runs it, and the label patterns hold a thousand
labels each: together about 0.3 s of ``coop-rules extract ONE.pdf`` on an idle machine. Here
the results are kept in the user's cache folder, one small file per entry named by a digest of
what determines it:

- :func:`regex` / :func:`regex_built`: the compiled program of a pattern (the opcodes
  ``_sre.compile`` takes), keyed by the pattern and its flags, or by the inputs it is built
  from (then the pattern is stored too, and not even built again);
- :func:`data`: JSON-able data parsed from a file, keyed by the file's bytes.

Only coop-rules' own data comes here, never text from a document. The regex engine validates
the code it is given and a damaged file is ignored (the work is done anew); anything
unexpected (another Python, an unwritable or missing cache folder, a future ``re`` without
these internals) falls back to doing the work, as before. The folder's name carries the Python
version and the engine's magic number. ``COOP_RULES_CACHE_DIR`` moves the cache (default
``$XDG_CACHE_HOME/coop-rules``, else ``~/.cache/coop-rules``); an empty value turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import sys
import tempfile
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

try:  # the internals this relies on (CPython 3.11 and later)
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another implementation: plain re.compile
    _sre = None

ENV_CACHE_DIR = "COOP_RULES_CACHE_DIR"
_FORMAT = 1  # of a cache file; part of its name


def cache_dir() -> Path | None:
    """Where compiled patterns are kept, or None when the cache is off."""
    chosen = os.environ.get(ENV_CACHE_DIR)
    if chosen is not None:
        base = Path(chosen) if chosen else None
    else:
        home = os.path.expanduser("~")
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = Path(xdg) / "coop-rules" if xdg else None
        if base is None and not home.startswith("~"):  # no home to expand: no cache
            base = Path(home) / ".cache" / "coop-rules"
    if base is None or _sre is None or array("I").itemsize != _sre.CODESIZE:
        return None
    # Another Python or another regex engine: another folder.
    return base / f"re-py{sys.version_info[0]}{sys.version_info[1]}-{_sre.MAGIC}-{_FORMAT}"


def regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, from the cache when it holds this pattern."""
    return regex_built(pattern, lambda: pattern, flags)


def regex_built(key: str, build: Callable[[], str], flags: int = 0) -> re.Pattern[str]:
    """``re.compile(build(), flags)``, where ``key`` is a text that determines what ``build``
    returns (its inputs, and the version of the code that builds it): from the cache, neither
    built nor compiled again."""
    folder = cache_dir()
    if folder is None:
        return re.compile(build(), flags)
    # surrogatepass: a pattern may name lone surrogates (to find them in broken text).
    digest = hashlib.sha256(f"regex\0{int(flags)}\0{key}".encode("utf-8", "surrogatepass"))
    path = folder / f"{digest.hexdigest()}.bin"
    with contextlib.suppress(OSError):
        cached = _load(path)
        if cached is not None:
            return cached
    pattern = build()
    try:
        parsed = _parser.parse(pattern, flags)
        code = _compiler._code(parsed, flags)
        header = {
            "pattern": pattern,
            "flags": int(flags | parsed.state.flags),
            "groups": parsed.state.groups,  # capturing groups + 1, as re._compiler counts
            "groupindex": dict(parsed.state.groupdict),
        }
        compiled = _build(header, code)
    except re.error:
        raise
    except Exception:  # these internals changed: the public way
        log.debug("regex cache unusable", exc_info=True)
        return re.compile(pattern, flags)
    _store(path, header, code)
    return compiled


def _build(header: dict[str, Any], code: list[int]) -> re.Pattern[str]:
    """What ``re._compiler.compile`` returns for this code (the C engine validates it)."""
    pattern = str(header["pattern"])
    groups = int(header["groups"])
    groupindex = {str(name): int(index) for name, index in header["groupindex"].items()}
    indexgroup: list[str | None] = [None] * groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    flags = int(header["flags"])
    return _sre.compile(pattern, flags, code, groups - 1, groupindex, tuple(indexgroup))


def _load(path: Path) -> re.Pattern[str] | None:
    head, _, body = path.read_bytes().partition(b"\n")
    try:
        code = array("I")
        code.frombytes(body)
        return _build(json.loads(head), code.tolist())
    except Exception:  # damaged, or written by another version: compile anew
        log.debug("ignoring the cached regex %s", path, exc_info=True)
        return None


def data(key: bytes, build: Callable[[], Any]) -> Any:
    """``build()`` as JSON gives it back (mapping keys become strings, tuples lists), from the
    cache when it holds it; ``key``: the bytes that determine it (a data file's, and the version
    of the code that parses them). The same value with or without the cache."""
    folder = cache_dir()
    path = (
        folder / f"{hashlib.sha256(b'data' + bytes(1) + key).hexdigest()}.json" if folder else None
    )
    if path is not None:
        with contextlib.suppress(OSError, ValueError):
            return json.loads(path.read_bytes())
    encoded = json.dumps(build()).encode()  # ASCII: lone surrogates too
    if path is not None:
        _write(path, encoded)
    return json.loads(encoded)


def _store(path: Path, header: dict[str, Any], code: list[int]) -> None:
    with contextlib.suppress(OverflowError):
        _write(path, json.dumps(header).encode() + b"\n" + array("I", code).tobytes())


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; a cache that cannot be written is no cache."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, path)  # readers see the whole file or none
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
