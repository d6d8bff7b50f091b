"""Files written whole or not at all, and read back checked: what a run, a report or a search keeps.

A kill, a full disk or a crash in the middle of a write must leave the old file or none, never half
of one: every writer writes a temporary file beside the target and renames it over the target
(`os.replace`, atomic on one file system). A file read back may still be damaged later (a disk
fault, a copy cut short, a hand edit): `read_json` names the file and what is wrong with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class FileNotWritten(OSError):
    """A file could not be written (a full disk, a file too large); the message names it and why, on one line."""

    @classmethod
    def of(cls, path: Path | str, error: OSError) -> FileNotWritten:
        """The failure of `error`, in words: the system's for its errno; h5py and Keras do not always keep one."""
        return cls(f"cannot write {path}: {_in_words(error) or 'the write failed'}")


class DamagedFile(ValueError):
    """A file tfmlp wrote earlier is no longer what it wrote (cut short, overwritten), or cannot be read:
    the message names it and what is wrong, on one line."""

    def __init__(self, path: Path, problem: str, message: str | None = None) -> None:
        super().__init__(message or f"{path} is damaged ({problem})")
        self.path = path

    @classmethod
    def unreadable(cls, path: Path, error: OSError) -> DamagedFile:
        words = _in_words(error) or "the read failed"
        return cls(path, words, f"cannot read {path}: {words}")


@contextlib.contextmanager
def written_whole(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; once the block ends, it replaces `path` in one step.

    The temporary name ends as `path` does, for writers that choose the format by the suffix
    (Keras's `.keras` and `.weights.h5`, images' `.png`). If the block fails, it is removed and
    `path` is left as it was.

    Raises:
        FileNotWritten: the block or the rename failed with an `OSError` (a full disk, say).

    Example:
        >>> with written_whole(run.model) as temporary:
        ...     model.save(temporary)
    """
    temporary = path.with_name(f".tmp-{secrets.token_hex(4)}-{path.name}")
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as error:
        raise FileNotWritten.of(path, error) from None
    finally:
        temporary.unlink(missing_ok=True)


def write_file(path: Path, content: str | bytes) -> None:
    """Write `content` (text as UTF-8) whole: a reader sees the old file or the whole new one, never half of it."""
    with written_whole(path) as temporary:
        temporary.write_bytes(content.encode() if isinstance(content, str) else content)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write `data` as indented JSON, whole (`write_file`)."""
    write_file(path, json.dumps(data, indent=2) + "\n")


def read_json(path: Path) -> dict[str, Any]:
    """The JSON object in a file tfmlp wrote, checked: whole, JSON, an object.

    Raises:
        DamagedFile: the file cannot be read, is empty, is not JSON or holds no object.
    """
    try:
        text = path.read_bytes()
    except OSError as error:
        raise DamagedFile.unreadable(path, error) from None
    if not text.strip():
        raise DamagedFile(path, "empty")
    try:
        data = json.loads(text)
    except ValueError:  # json's JSONDecodeError, and UnicodeDecodeError for bytes that are no text
        raise DamagedFile(path, "not valid JSON") from None
    if not isinstance(data, dict):
        raise DamagedFile(path, "not a JSON object")
    return data


def _in_words(error: OSError) -> str | None:
    """"no space left on device": the system's words for the error's errno, mid-sentence; None without one."""
    if not error.errno:
        return None
    words = os.strerror(error.errno)
    return words[0].lower() + words[1:]
