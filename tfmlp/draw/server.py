"""The draw page's server: the page, the list of runs, and `POST /api/predict`, on this machine only.

Flask answers; Werkzeug's threaded server serves, which is what a page on localhost for one
classroom needs. Every answer of the API is JSON, errors too: `{"error": "...", "code": "..."}`
with an HTTP status, so that the page (which shows each code's words in the learner's language)
and scripts read them alike. The server only reads the runs folder.

    POST /api/predict[?run=10-4/20261124-120000&run=...]   body: an image file's bytes
    -> {"models": [{"step", "run", "digit", "confidence", "probabilities", "input", "hidden"}, ...]}
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import flask
import numpy as np
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server

from tfmlp.draw.models import ModelShelf, RunUnavailable, run_name, step_order
from tfmlp.inference import MNIST_SIDE, read_digit
from tfmlp.language import message

MAX_BODY_BYTES = 5 * 1024 * 1024  # refused from its Content-Length (or as it streams in) before it is read whole
DECIMALS = 4  # of every number the API answers: more than a page can show, little to send
RUNS_FOLDER_ERRORS = (OSError, ValueError, KeyError)  # what listing a runs folder with a damaged config.json raises
NO_RUNS_HINT = "train one first, e.g. `python cli.py lab 10-4` (about a minute), then reload the page"


class _ApiError(Exception):
    """An answer that is an error: its HTTP status, a code the page has words for, and a message for scripts."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def create_app(logdir: Path, shelf: ModelShelf | None = None) -> flask.Flask:
    """The page and its API over the finished runs under `logdir`.

    Args:
        logdir: the runs folder.
        shelf: the models, if already loaded (`serve` loads the default ones before it answers).

    Returns:
        A Flask application (a WSGI application), e.g. for Flask's test client.

    Example:
        >>> create_app(Path("runs")).test_client().post("/api/predict", data=open("seven.png", "rb").read())
    """
    app = flask.Flask(__name__, static_folder="static", static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # entries read in the order the page shows them
    shelf = shelf or ModelShelf(logdir)

    @app.get("/")
    def page() -> flask.Response:
        return app.send_static_file("index.html")

    @app.get("/api/runs")
    def runs() -> dict[str, Any]:
        """Every finished run that can read, by step, newest first; `default` marks the newest of each step."""
        finished = sorted(_listed(shelf.finished_runs), key=lambda run: step_order(run.lab))  # a stable sort: newest first within a step
        chosen = {run.path for run in _listed(shelf.default_runs)}
        return {
            "logdir": str(logdir),
            "runs": [
                {
                    "step": run.lab,
                    "run": run_name(run, shelf.root),
                    "started": run.started,
                    "test_accuracy": run.test_accuracy,
                    "description": run.hyperparameters,
                    "default": run.path in chosen,
                }
                for run in finished
            ],
            "hint": None if finished else f"No finished run under {logdir} yet: {NO_RUNS_HINT}",
        }

    @app.post("/api/predict")
    def predict() -> dict[str, Any]:
        """The body's picture read by each run named by `run` parameters (default: the newest of each step)."""
        body = _body()
        if not body:
            raise _ApiError(400, "empty", "the request has no body: send an image file's bytes (PNG or JPEG)")
        try:
            image = read_digit(body, "the picture")
        except ValueError as error:  # not an image, too large, or no digit on it
            raise _ApiError(400, "bad_picture", str(error)) from None
        names = flask.request.args.getlist("run")
        runs = names or _listed(shelf.default_runs)
        if not runs:
            raise _ApiError(404, "no_runs", f"no finished run under {logdir}: {NO_RUNS_HINT}")
        return {"models": [_entry(shelf, run, image) for run in runs]}

    @app.errorhandler(_ApiError)
    def api_error(error: _ApiError) -> tuple[flask.Response, int]:
        return flask.jsonify(error=str(error), code=error.code), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[flask.Response, int]:
        status = error.code or 500
        if status == 413:
            message = f"the picture is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB; send a smaller PNG or JPEG"
            return flask.jsonify(error=message, code="too_large"), status
        return flask.jsonify(error=f"{error.name}: {flask.request.method} {flask.request.path}", code="http"), status

    return app


def _body() -> bytes:
    """The request's body, refused (413) past `MAX_BODY_BYTES`: from its Content-Length before reading,
    or, for a body sent in chunks without one, as soon as it runs past the limit."""
    stream = flask.request.stream
    body = stream.read()
    stream.read(1)  # Werkzeug's limited stream stops at the limit silently, and raises on the read after it
    return body


def _listed(listing: Any) -> list[Any]:
    """The runs folder listed by `listing`, or an API error that names what is wrong with it."""
    try:
        return listing()
    except RUNS_FOLDER_ERRORS as error:
        raise _ApiError(500, "runs_unreadable", f"cannot list the runs: {error}") from None


def _entry(shelf: ModelShelf, run: Any, image: np.ndarray) -> dict[str, Any]:
    """One model's answer for `image`, or why it has none (its run was deleted)."""
    try:
        model = shelf.model(run)
    except RunUnavailable as error:
        name = run if isinstance(run, str) else run_name(run, shelf.root)
        return {"step": name.split("/")[0], "run": name, "error": str(error), "code": "run_unavailable"}
    reading = model.read(image[None])
    probabilities = reading.probabilities[0]
    return {
        "step": model.step,
        "run": model.run,
        "digit": int(probabilities.argmax()),
        "confidence": round(float(probabilities.max()), DECIMALS),
        "probabilities": _rounded(probabilities),
        "input": _rounded(image.reshape(MNIST_SIDE, MNIST_SIDE)),
        "hidden": [_rounded(layer[0]) for layer in reading.hidden],
    }


def _rounded(values: np.ndarray) -> list[Any]:
    return np.round(values.astype(np.float64), DECIMALS).tolist()


class _QuietRequests(WSGIRequestHandler):
    """Werkzeug's request handler without a line per request: the terminal keeps the one line `serve` printed."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def serve(logdir: Path, port: int) -> None:
    """Serve the page on 127.0.0.1 only, with every step's newest model loaded first, until Ctrl-C.

    Args:
        logdir: the runs folder.
        port: the port; 0 takes a free one. The one line printed says which.

    Raises:
        OSError: the port is taken, or not this user's to take.
    """
    shelf = ModelShelf(logdir)
    try:
        newest = shelf.default_runs()
    except RUNS_FOLDER_ERRORS:
        newest = []  # the page names the damaged run when it lists the runs
    for run in newest:
        try:
            shelf.model(run)
        except RunUnavailable:
            pass  # the page says why for that run when it asks
    # The socket is bound here, not by Werkzeug, which prints a taken port's error and exits by itself.
    with socket.create_server(("127.0.0.1", port)) as listening:
        server = make_server(
            "127.0.0.1", port, create_app(logdir, shelf), threaded=True, request_handler=_QuietRequests, fd=listening.fileno()
        )
    print(message("draw.serving", url=f"http://localhost:{server.port}/"), flush=True)
    server.serve_forever()  # returns on Ctrl-C, the server closed
