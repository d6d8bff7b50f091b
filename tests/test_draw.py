"""The draw page's server: `POST /api/predict` reads a picture with each step's newest network and
shows what is inside it; bad input, deleted runs and many requests at once get JSON answers; the
runs folder is only read. The page itself, in a real browser, is tests/test_draw_browser.py."""

from __future__ import annotations

import http.client
import io
import json
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw

import labs
from cli import cli
from tfmlp.draw.models import ModelShelf
from tfmlp.draw.server import MAX_BODY_BYTES, create_app
from tfmlp.files import write_json
from tfmlp.inference import read_digit
from tfmlp.run_models import load_run_model
from tfmlp.runs import RunDir

STATIC = Path(__file__).resolve().parent.parent / "tfmlp" / "draw" / "static"


def untrained_run(root: Path, lab_id: str, stamp: str) -> Path:
    """A finished run's folder as `cli.py lab` leaves it, holding the step's network as built (no training:
    these tests are about what the server does with a network, not about how well it reads)."""
    run = RunDir(root / lab_id / stamp)
    run.path.mkdir(parents=True)
    lab = labs.get_lab(lab_id)
    write_json(run.config, {"lab": lab.id, **lab.config.to_dict()})
    keras.utils.set_random_seed(int(stamp[-2:]))
    lab.build_model().save(run.model)
    write_json(run.metrics, {"lab": lab.id, "status": "finished", "test_accuracy": 0.5, "train_seconds": 1.0})
    return run.path


def seven(size: int = 280, width: int = 18) -> bytes:
    """A 7 as a learner draws it on the page: black strokes on a white canvas, as PNG bytes."""
    canvas = Image.new("L", (size, size), 255)
    corners = [(0.3, 0.2), (0.72, 0.2), (0.45, 0.85)]
    ImageDraw.Draw(canvas).line([(x * size, y * size) for x, y in corners], fill=0, width=width, joint="curve")
    return png(canvas)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def snapshot(root: Path) -> dict[str, tuple[bool, int, int]]:
    """Every file and folder under `root` (and `root` itself), with its size and modification time."""
    return {str(path.relative_to(root)): (path.is_dir(), path.stat().st_size, path.stat().st_mtime_ns) for path in [root, *root.rglob("*")]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10-1 once, 10-2 twice (the newer one is the default), 10-7, and an unfinished run and an experiment, which cannot read."""
    root = tmp_path_factory.mktemp("runs")
    untrained_run(root, "10-1", "20261124-100000")
    untrained_run(root, "10-2", "20261124-110000")
    untrained_run(root, "10-2", "20261124-120000")
    untrained_run(root, "10-7", "20261124-130000")
    unfinished = root / "10-4" / "20261124-140000"
    unfinished.mkdir(parents=True)
    write_json(unfinished / "config.json", {"lab": "10-4", **labs.get_lab("10-4").config.to_dict()})
    experiment = root / "activations" / "20261124-150000"
    experiment.mkdir(parents=True)
    write_json(experiment / "config.json", {"experiment": "activations", "variants": {}})
    write_json(experiment / "metrics.json", {"status": "finished", "variants": []})
    return root


@pytest.fixture(scope="module")
def client(runs: Path) -> Any:
    return create_app(runs).test_client()


@pytest.fixture
def served(runs: Path) -> Iterator[int]:
    """The app on a real threaded server on 127.0.0.1, as `cli.py draw` serves it: its port."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, create_app(runs), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.port
    server.shutdown()
    server.server_close()


def post(port: int, body: bytes, path: str = "/api/predict") -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", path, body=body, headers={"Content-Type": "image/png"})
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()
    return response.status, answer


def test_each_steps_newest_network_reads_the_picture(client: Any, runs: Path) -> None:
    response = client.post("/api/predict", data=seven())
    assert response.status_code == 200, response.json
    entries = response.json["models"]
    assert [(entry["step"], entry["run"]) for entry in entries] == [
        ("10-1", "10-1/20261124-100000"),
        ("10-2", "10-2/20261124-120000"),
        ("10-7", "10-7/20261124-130000"),
    ]
    expected_input = read_digit(seven()).reshape(28, 28)
    for entry in entries:
        model = load_run_model(runs / entry["run"])
        logits = model.predict(expected_input.reshape(1, 784), verbose=0)[0]
        probabilities = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        np.testing.assert_allclose(entry["probabilities"], probabilities, atol=1e-4)
        assert entry["digit"] == int(np.argmax(entry["probabilities"]))
        assert entry["confidence"] == max(entry["probabilities"])
        np.testing.assert_allclose(entry["input"], expected_input, atol=1e-4)
    assert [len(layer) for layer in entries[0]["hidden"]] == []
    assert [len(layer) for layer in entries[1]["hidden"]] == [256, 256]
    assert [len(layer) for layer in entries[2]["hidden"]] == [512] * 4


def test_a_hidden_layers_activations_are_what_the_next_layer_reads(runs: Path) -> None:
    image = read_digit(seven())[None]
    plain = ModelShelf(runs).model("10-2/20261124-120000").read(image)
    model = load_run_model(runs / "10-2" / "20261124-120000")
    (kernel_1, bias_1), (kernel_2, bias_2) = (model.get_layer(name).get_weights() for name in ("dense_1", "dense_2"))
    first = np.maximum(image.astype(np.float64) @ kernel_1 + bias_1, 0.0)
    second = np.maximum(first @ kernel_2 + bias_2, 0.0)
    for read, computed in zip(plain.hidden, (first, second), strict=True):
        np.testing.assert_allclose(read, computed, rtol=1e-4, atol=1e-3 * np.abs(computed).max())
    assert 0 < (plain.hidden[0] == 0).sum() < 256  # ReLU: some units output exactly 0 on this digit, not all

    # Batch norm and dropout (10-7): the activations after batch norm and ReLU, and no unit dropped.
    normed = ModelShelf(runs).model("10-7/20261124-130000").read(image)
    model = load_run_model(runs / "10-7" / "20261124-130000")
    activations = keras.Model(model.inputs[0], [layer.output for layer in model.layers if isinstance(layer, keras.layers.Activation)])
    for read, expected in zip(normed.hidden, activations.predict(image, verbose=0), strict=True):
        np.testing.assert_allclose(read, expected, rtol=1e-5, atol=1e-6)


def test_the_runs_list_says_which_run_of_each_step_reads_by_default(client: Any, runs: Path) -> None:
    listing = client.get("/api/runs").json
    assert listing["logdir"] == str(runs) and listing["hint"] is None
    assert [(run["run"], run["default"]) for run in listing["runs"]] == [
        ("10-1/20261124-100000", True),
        ("10-2/20261124-120000", True),
        ("10-2/20261124-110000", False),
        ("10-7/20261124-130000", True),
    ]
    assert listing["runs"][1]["description"].startswith("hidden 256x256, relu, normal")
    older = client.post("/api/predict?run=10-2/20261124-110000&run=10-1/20261124-100000", data=seven()).json["models"]
    assert [entry["run"] for entry in older] == ["10-2/20261124-110000", "10-1/20261124-100000"]


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        (b"", 400, "empty", "the request has no body: send an image file's bytes (PNG or JPEG)"),
        (b"%PDF-1.4 not a picture", 400, "bad_picture", "the picture is not an image file (PNG, JPEG, ...), or its header is damaged"),
        (png(Image.new("L", (280, 280), 255)), 400, "bad_picture", "the picture shows no digit (no pixel stands out from the background)"),
        (png(Image.new("L", (280, 280), 0)), 400, "bad_picture", "the picture shows no digit"),
        (seven()[:200], 400, "bad_picture", "the picture is a damaged or truncated PNG file"),
        (b"\0" * (MAX_BODY_BYTES + 1), 413, "too_large", "the picture is larger than 5 MB; send a smaller PNG or JPEG"),
    ],
    ids=["empty", "not-an-image", "blank-canvas", "black-canvas", "cut-short", "oversized"],
)
def test_bad_input_gets_a_json_answer_and_the_server_reads_on(client: Any, body: bytes, status: int, code: str, message: str) -> None:
    response = client.post("/api/predict", data=body)
    assert response.status_code == status
    assert response.json["code"] == code
    assert response.json["error"].startswith(message)
    assert "<" not in response.json["error"] and "object at" not in response.json["error"]  # no Python reprs
    assert client.post("/api/predict", data=seven()).status_code == 200


def test_a_picture_too_large_to_decode_is_refused_from_its_header(client: Any) -> None:
    huge = png(Image.new("1", (8000, 8000), 1))  # 64 megapixels of white in a few kilobytes
    assert len(huge) < MAX_BODY_BYTES
    response = client.post("/api/predict", data=huge)
    assert response.status_code == 400
    assert (
        response.json["error"] == "the picture is 8000 x 8000 pixels (64 megapixels); images of up to 50 megapixels are read: scale it down"
    )


def test_an_oversized_body_is_refused_before_it_is_read(served: int) -> None:
    # Announced: refused from its Content-Length alone, while the client has sent none of it.
    with socket.create_connection(("127.0.0.1", served), timeout=30) as connection:
        connection.sendall(b"POST /api/predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000000\r\n\r\n")
        answer = b"".join(iter(lambda: connection.recv(65536), b"")).decode()  # the server closes the connection
    assert answer.startswith("HTTP/1.1 413"), answer
    assert '"code":"too_large"' in answer.replace(" ", "")
    # Sent in chunks without a length: refused once it runs past the limit.
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=60)
    chunks = (b"\0" * 1024 * 1024 for _ in range(8))
    connection.request("POST", "/api/predict", body=chunks, headers={"Transfer-Encoding": "chunked"}, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 413 and json.loads(response.read())["code"] == "too_large"
    connection.close()
    assert post(served, seven())[0] == 200


def test_many_requests_at_once_are_all_answered(served: int) -> None:
    bodies = [seven(), b"not a picture"] * 16
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda body: post(served, body), bodies))
    good = [answer for status, answer in answers if status == 200]
    bad = [answer for status, answer in answers if status == 400]
    assert len(good) == len(bad) == 16
    assert all(answer == good[0] for answer in good)
    assert all(answer["code"] == "bad_picture" for answer in bad)


def test_the_runs_folder_is_only_read(runs: Path, served: int, client: Any) -> None:
    before = snapshot(runs)
    post(served, seven())
    post(served, b"not a picture")
    post(served, seven(), "/api/predict?run=10-2/20261124-110000&run=10-9/nothing")
    client.get("/api/runs")
    assert snapshot(runs) == before


def test_a_run_deleted_while_the_page_is_open_is_named_and_the_others_read_on(tmp_path: Path) -> None:
    older = untrained_run(tmp_path, "10-2", "20261124-110000")
    newer = untrained_run(tmp_path, "10-2", "20261124-120000")
    untrained_run(tmp_path, "10-1", "20261124-100000")
    client = create_app(tmp_path).test_client()
    chosen = "/api/predict?run=10-1/20261124-100000&run=10-2/20261124-120000"
    assert all("digit" in entry for entry in client.post(chosen, data=seven()).json["models"])

    shutil.rmtree(newer)
    first, gone = client.post(chosen, data=seven()).json["models"]
    assert "digit" in first
    assert gone == {
        "step": "10-2",
        "run": "10-2/20261124-120000",
        "error": f"10-2/20261124-120000 is no longer in {tmp_path}: its folder or model.keras was deleted",
        "code": "run_unavailable",
    }
    assert [run["run"] for run in client.get("/api/runs").json["runs"]] == ["10-1/20261124-100000", "10-2/20261124-110000"]
    default = client.post("/api/predict", data=seven()).json["models"]
    assert [entry["run"] for entry in default] == ["10-1/20261124-100000", "10-2/20261124-110000"]  # the step's next newest
    shutil.rmtree(older)
    assert [entry["run"] for entry in client.post("/api/predict", data=seven()).json["models"]] == ["10-1/20261124-100000"]
    never_there = client.post("/api/predict?run=10-2/20261124-999999", data=seven()).json["models"][0]
    assert never_there["code"] == "run_unavailable"
    assert never_there["error"] == f"{tmp_path} has no finished run 10-2/20261124-999999 (see `cli.py runs --logdir {tmp_path}`)"


def test_with_no_finished_run_the_page_says_how_to_train_one(tmp_path: Path) -> None:
    client = create_app(tmp_path / "runs").test_client()
    listing = client.get("/api/runs").json
    assert listing["runs"] == []
    assert "python cli.py lab 10-4" in listing["hint"]
    response = client.post("/api/predict", data=seven())
    assert response.status_code == 404
    assert response.json["code"] == "no_runs" and "python cli.py lab 10-4" in response.json["error"]


def test_a_damaged_run_folder_is_left_out_and_the_intact_runs_still_answer(tmp_path: Path) -> None:
    untrained_run(tmp_path, "10-1", "20261124-100000")
    (tmp_path / "10-2" / "20261124-110000").mkdir(parents=True)
    (tmp_path / "10-2" / "20261124-110000" / "config.json").write_text("{ cut sh")
    client = create_app(tmp_path).test_client()
    response = client.post("/api/predict", data=seven())
    assert response.status_code == 200
    assert [entry["step"] for entry in response.json["models"]] == ["10-1"]


def test_draw_refuses_a_port_that_is_taken_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["draw", "--logdir", str(tmp_path), "--port", str(port)])
    assert result.exit_code == 2
    assert result.output == f"Error: cannot serve the page on port {port}: address already in use\n"


def test_the_page_is_plain_files_of_its_own_with_its_words_in_both_languages(client: Any) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(path).status_code == 200, path
    for file in STATIC.iterdir():
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", file.read_text(encoding="utf-8")), (
            f"{file.name} loads from another site"
        )
    english, korean = (json.loads((STATIC / f"messages.{language}.json").read_text(encoding="utf-8")) for language in ("en", "ko"))
    assert english.keys() == korean.keys()
    for key in english:
        assert set(re.findall(r"\{\w+\}", english[key])) == set(re.findall(r"\{\w+\}", korean[key])), key
    script = (STATIC / "draw.js").read_text(encoding="utf-8")
    used = set(re.findall(r'data-(?:text|label)="(\w+)"', html)) | set(re.findall(r'\btext\("(\w+)"', script))
    used |= {f"error_{code}" for code in ("too_large", "bad_picture", "no_runs", "run_unavailable", "runs_unreadable")}
    assert used <= english.keys(), used - english.keys()
    for word in ("소프트맥스", "은닉층", "활성화", "확률", "죽은 ReLU 뉴런"):  # the course's words
        assert any(word in text for text in korean.values()), word
