"""Files written whole or not at all, and read back checked: what a run, a report or a search keeps.

A kill, a full disk or a crash in the middle of a write must leave the old file or none, never half
of one: every writer writes a temporary file beside the target and renames it over the target
(`os.replace`, atomic on one file system). A file read back may still be damaged later (a disk
fault, a copy cut short, a hand edit): `read_json` names the file and what is wrong with it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tfmlp.language import message


class FileNotWritten(OSError):
    """A file could not be written (a full disk, a file too large); the message names it and why, on one line."""

    @classmethod
    def of(cls, path: Path | str, error: OSError) -> FileNotWritten:
        """The failure of `error`, in words: the system's for its errno; h5py and Keras do not always keep one."""
        return cls(message("files.cannot_write", path=path, reason=reason(error) or message("files.write_failed")))


class DamagedFile(ValueError):
    """A file tfmlp wrote earlier is no longer what it wrote (cut short, overwritten), or cannot be read:
    the message names it and what is wrong, on one line."""

    def __init__(self, path: Path, problem: str, sentence: str | None = None) -> None:
        """`problem`: what is wrong, in words (`message`); `sentence`: the whole message, where "PATH is damaged (PROBLEM)" is not it."""
        super().__init__(sentence or message("files.damaged", path=path, problem=problem))
        self.path = path
        self.problem = problem

    @classmethod
    def unreadable(cls, path: Path, error: OSError) -> DamagedFile:
        words = reason(error) or message("files.read_failed")
        return cls(path, words, message("files.cannot_read", path=path, reason=words))


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
        DamagedFile: the file cannot be read, is empty, is JSON cut short, is not JSON or holds no object.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise DamagedFile.unreadable(path, error) from None
    except UnicodeDecodeError:
        raise DamagedFile(path, message("files.not_json")) from None
    if not text.strip():
        raise DamagedFile(path, message("files.empty"))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DamagedFile(path, message("files.cut_short" if _ends_inside_a_value(text, error) else "files.not_json")) from None
    if not isinstance(data, dict):
        raise DamagedFile(path, message("files.not_object"))
    return data


def _ends_inside_a_value(text: str, error: json.JSONDecodeError) -> bool:
    """Whether JSON that failed to parse is whole JSON cut short (a kill in the middle of an in-place
    write, a copy cut short): the parser ran out of text, or out of a string, or stopped at a last
    token cut in the middle ("fal", "nul", "0.", "1e-")."""
    rest = text.rstrip()[error.pos :]
    return error.msg.startswith("Unterminated string") or (len(rest) < len("false") and not set(rest) & set('{}[],:" \t\n'))


# The failures a learner meets, said in the learner's language; the others in the system's words.
_REASONS = {
    errno.ENOSPC: "files.reason.no_space",
    errno.EDQUOT: "files.reason.over_quota",
    errno.EFBIG: "files.reason.too_large",
    errno.EACCES: "files.reason.permission_denied",
    errno.EPERM: "files.reason.not_permitted",
    errno.EROFS: "files.reason.read_only",
    errno.ENOENT: "files.reason.no_such_file",
    errno.ENOTDIR: "files.reason.not_a_folder",
    errno.EISDIR: "files.reason.is_a_folder",
    errno.EEXIST: "files.reason.exists",
    errno.EADDRINUSE: "files.reason.address_in_use",
    errno.EIO: "files.reason.io_error",
}


def reason(error: OSError) -> str | None:
    """ "no space left on device": what went wrong, by the error's errno, mid-sentence; None without one.

    In English these are the system's own words (`os.strerror`); in another language, the messages'.
    """
    if not error.errno:
        return None
    words = os.strerror(error.errno)
    system = words[0].lower() + words[1:]
    return message(_REASONS[error.errno], system=system) if error.errno in _REASONS else system


def in_words(error: OSError) -> str:
    """An `OSError` on one line, the path it names first: "runs/10-4: not a directory" (never its repr)."""
    words = reason(error) or str(error)
    return f"{error.filename}: {words}" if error.filename else words
