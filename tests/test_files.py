"""Files written whole or not at all, and read back checked, on real files."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from tfmlp.files import DamagedFile, FileNotWritten, read_json, write_file, write_json, written_whole


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "model.keras"
    target.write_text("the finished model")
    with pytest.raises(FileNotWritten) as raised, written_whole(target) as temporary:
        assert temporary.parent == tmp_path and temporary.name.endswith("-model.keras"), "writers choose the format by the suffix"
        temporary.write_text("half of a new mod")
        raise OSError(errno.ENOSPC, "No space left on device", str(temporary))
    assert str(raised.value) == f"cannot write {target}: no space left on device"
    assert target.read_text() == "the finished model"
    assert [path.name for path in tmp_path.iterdir()] == ["model.keras"]


def test_a_failure_without_an_errno_is_named_too(tmp_path: Path) -> None:
    with pytest.raises(FileNotWritten, match=r"^cannot write .*results\.png: the write failed$"), written_whole(tmp_path / "results.png"):
        raise OSError("Can't synchronously write data (file write failed: time = ..., buf = 0x555e...)")
    assert not list(tmp_path.iterdir())


def test_a_whole_write_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "metrics.json"
    write_json(target, {"old": True})
    write_json(target, {"test_accuracy": 0.98})
    assert read_json(target) == {"test_accuracy": 0.98}
    write_file(tmp_path / "digit.png", b"\x89PNG")
    assert (tmp_path / "digit.png").read_bytes() == b"\x89PNG"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["digit.png", "metrics.json"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b'{\n  "lab": "10-4",\n  "status": "fini', "cut short"),
        (b'{\n  "lab": "10-4";\n  "status": "finished"}', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"[0.98]", "not a JSON object"),
    ],
    ids=["empty", "cut-short", "garbled", "not-text", "a-list"],
)
def test_a_damaged_json_file_is_named_with_what_is_wrong(content: bytes, problem: str, tmp_path: Path) -> None:
    path = tmp_path / "metrics.json"
    path.write_bytes(content)
    with pytest.raises(DamagedFile) as raised:
        read_json(path)
    assert str(raised.value) == f"{path} is damaged ({problem})"
    assert raised.value.path == path


def test_an_unreadable_json_file_says_why(tmp_path: Path) -> None:
    folder = tmp_path / "config.json"
    folder.mkdir()  # a folder where the file should be: reading it fails with EISDIR, as root too
    with pytest.raises(DamagedFile, match=r"^cannot read .*config\.json: is a directory$"):
        read_json(folder)
