"""The draw page in a real browser: `cli.py draw` over two runs it trained, headless Chromium driven by
Selenium, strokes drawn with a mouse and a finger. Debian's chromium and chromium-driver are used
as installed (.ci/run installs them); nothing is downloaded."""

from __future__ import annotations

import base64
import http.client
import json
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parent.parent
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SEVEN = [(-70, -90), (-20, -90), (30, -90), (60, -90), (40, -40), (20, 10), (0, 60), (-15, 100)]  # from the pad's centre
ONE = [(0, -100), (0, -50), (0, 0), (0, 50), (0, 100)]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python cli.py draw` over a 10-1 and a 10-3 trained for one epoch: the page's address."""
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.fail("the browser test needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver")
    logdir = tmp_path_factory.mktemp("runs")
    for step in ("10-1", "10-3"):
        command = [sys.executable, "cli.py", "lab", step, "--epochs", "1", "--logdir", str(logdir)]
        trained = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, check=False)
        assert trained.returncode == 0, trained.stderr
    command = [sys.executable, "cli.py", "draw", "--logdir", str(logdir), "--port", "0"]
    server = subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(server.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=180)
    match = re.fullmatch(r"Drawing page on (http://localhost:\d+/) \(Ctrl-C stops it\)\n", lines[0] if lines else "")
    if not match:
        server.kill()
        pytest.fail(f"cli.py draw did not announce its page: {lines} {server.stderr.read()}")
    yield match.group(1)
    server.send_signal(signal.SIGINT)
    rest, errors = server.communicate(timeout=60)
    assert (server.returncode, rest, errors) == (0, "Drawing page stopped.\n", "")


def chromium(languages: str | None = None) -> webdriver.Chrome:
    """Headless Chromium in a fresh profile, with nothing reaching out to the network; `languages` as a browser's preference."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
    flags += ["--disable-component-update", "--disable-sync", f"--user-data-dir={tempfile.mkdtemp(prefix='tfmlp-chromium-')}"]
    flags += ["--window-size=1400,1000", f"--lang={languages or 'en-US'}"]
    for flag in flags:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": languages or "en-US,en"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    driver = chromium()
    yield driver
    driver.quit()


def open_page(driver: webdriver.Chrome, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, 60).until(lambda _: driver.execute_script("return document.body.dataset.ready === 'true'"))


def draw_with_mouse(driver: webdriver.Chrome, stroke: list[tuple[int, int]]) -> None:
    pad = driver.find_element(By.ID, "pad")
    chain = ActionChains(driver).move_to_element_with_offset(pad, *stroke[0]).click_and_hold()
    for x, y in stroke[1:]:
        chain.move_to_element_with_offset(pad, x, y)
    chain.release().perform()


def draw_with_finger(driver: webdriver.Chrome, stroke: list[tuple[int, int]]) -> None:
    pad = driver.find_element(By.ID, "pad")
    actions = ActionBuilder(driver, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))
    actions.pointer_action.move_to(pad, *stroke[0]).pointer_down()
    for x, y in stroke[1:]:
        actions.pointer_action.move_to(pad, x, y)
    actions.pointer_action.pointer_up()
    actions.perform()


def read_out(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    """Each card as the learner sees it, once every card shows an answer and no request is on its way."""
    script = """
        return [...document.querySelectorAll('.model')].map((card) => ({
            step: card.querySelector('.step').textContent,
            run: card.dataset.run,
            digit: card.querySelector('.digit').textContent,
            sure: card.querySelector('.sure').textContent,
            bars: [...card.querySelectorAll('.bars .value')].map((value) => value.textContent),
            answer: [...card.querySelectorAll('.bars li')].findIndex((bar) => bar.classList.contains('answer')),
            layers: [...card.querySelectorAll('.layers figure')].map((figure) => ({
                caption: figure.querySelector('figcaption').textContent,
                width: figure.querySelector('canvas').width,
                height: figure.querySelector('canvas').height,
            })),
            inside: card.querySelector('.layers').textContent,
            idle: card.classList.contains('idle'),
        }));
    """
    settled = (
        "return !document.querySelector('.model.idle') && [...document.querySelectorAll('.digit')].every((d) => d.textContent !== '–')"
    )
    WebDriverWait(driver, 60).until(lambda _: driver.execute_script(settled))
    return driver.execute_script(script)


def the_pads_picture_read_by_the_api(driver: webdriver.Chrome, url: str, runs: list[str]) -> list[dict[str, Any]]:
    """The page's canvas as PNG bytes, sent to POST /api/predict by this test: what the page should show."""
    picture = base64.b64decode(driver.execute_script("return document.getElementById('pad').toDataURL('image/png')").split(",")[1])
    address = re.match(r"http://localhost:(\d+)/", url)
    connection = http.client.HTTPConnection("localhost", int(address.group(1)), timeout=60)
    connection.request("POST", "/api/predict?" + "&".join(f"run={run}" for run in runs), body=picture)
    response = connection.getresponse()
    assert response.status == 200
    return json.loads(response.read())["models"]


def percent(shown: str) -> float:
    """ "97.3% sure" -> 97.3: one decimal, as JavaScript rounds it."""
    return float(re.match(r"\d+\.\d", shown).group())


def seen_pixels(driver: webdriver.Chrome) -> list[int]:
    """The grey levels of the page's 28 x 28 view of what the networks are given."""
    return driver.execute_script(
        "return [...document.getElementById('seen').getContext('2d').getImageData(0, 0, 28, 28).data].filter((_, i) => i % 4 === 0)"
    )


def test_a_drawn_digit_is_read_by_each_network_with_its_inside_shown(page: str, browser: webdriver.Chrome, tmp_path: Path) -> None:
    open_page(browser, page)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Draw a digit"
    assert browser.find_element(By.ID, "status").text == "Draw a digit from 0 to 9 in the box."
    draw_with_mouse(browser, SEVEN)
    cards = read_out(browser)
    assert [card["step"] for card in cards] == ["10-1", "10-3"]
    expected = the_pads_picture_read_by_the_api(browser, page, [card["run"] for card in cards])
    for card, entry in zip(cards, expected, strict=True):
        assert card["digit"] == str(entry["digit"]) == str(card["answer"])
        assert re.fullmatch(r"\d+\.\d% sure", card["sure"]) and percent(card["sure"]) == pytest.approx(100 * entry["confidence"], abs=0.051)
        assert [percent(bar) for bar in card["bars"]] == pytest.approx([100 * p for p in entry["probabilities"]], abs=0.051)
    assert seen_pixels(browser) == [round(255 * value) for row in expected[0]["input"] for value in row]
    assert max(seen_pixels(browser)) == 255  # a digit, not a black square

    softmax, hidden = cards
    assert softmax["layers"] == [] and softmax["inside"] == "No hidden layer: softmax regression weighs the pixels directly."
    assert [(layer["width"], layer["height"]) for layer in hidden["layers"]] == [(32 * 7, 8 * 7)] * 2  # 256 units, 32 a row
    for index, (layer, activations) in enumerate(zip(hidden["layers"], expected[1]["hidden"], strict=True), start=1):
        zero = sum(value == 0 for value in activations)
        assert layer["caption"] == f"Hidden layer {index}: 256 units · {zero} output 0 on this digit"
    browser.save_screenshot(str(tmp_path / "draw.png"))

    browser.find_element(By.ID, "clear").click()
    assert browser.find_element(By.ID, "status").text == "Draw a digit from 0 to 9 in the box."
    assert max(seen_pixels(browser)) == 0
    draw_with_mouse(browser, ONE)
    second = read_out(browser)[1]["layers"][0]["caption"]
    dead = re.fullmatch(
        r"Hidden layer 1: 256 units · \d+ output 0 on this digit · (\d+) output 0 on all 2 digits you drew: dead ReLU units", second
    )
    assert dead, second
    one = the_pads_picture_read_by_the_api(browser, page, [hidden["run"]])[0]["hidden"][0]
    silent_on_both = sum(a == 0 and b == 0 for a, b in zip(expected[1]["hidden"][0], one, strict=True))
    assert int(dead.group(1)) <= silent_on_both  # never fired on either digit (nor on the strokes on the way)

    browser.find_element(By.CSS_SELECTOR, "#picker summary").click()
    browser.find_element(By.CSS_SELECTOR, "#runs input[value^='10-1/']").click()  # take 10-1 off the page
    assert [card["step"] for card in read_out(browser)] == ["10-3"]


def test_the_page_speaks_korean_when_asked_or_when_the_browser_does(page: str, browser: webdriver.Chrome) -> None:
    open_page(browser, page + "?lang=ko")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    assert browser.title == browser.find_element(By.TAG_NAME, "h1").text == "숫자를 그려 보세요"
    assert browser.find_element(By.ID, "clear").text == "지우기"
    draw_with_finger(browser, SEVEN)
    cards = read_out(browser)
    assert all(re.fullmatch(r"확률 \d+\.\d%", card["sure"]) for card in cards), cards
    assert cards[0]["inside"] == "은닉층이 없습니다: 소프트맥스 회귀는 픽셀에 바로 가중치를 곱합니다."
    assert re.fullmatch(r"은닉층 1: 뉴런 256개 · 이 숫자에서 출력이 0인 뉴런 \d+개", cards[1]["layers"][0]["caption"])

    korean = chromium("ko-KR,ko")
    try:
        open_page(korean, page)
        assert korean.find_element(By.ID, "clear").text == "지우기"
        open_page(korean, page + "?lang=en")  # the page's own switch wins over the browser's language
        assert korean.find_element(By.ID, "clear").text == "Clear"
    finally:
        korean.quit()
