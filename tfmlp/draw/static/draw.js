// The draw page: the learner draws on #pad; as they draw, the canvas goes as PNG bytes to
// POST /api/predict (the same endpoint scripts use), and each network's answer is shown in a card:
// its ten probabilities, and every hidden layer's activations as a grid of units. A unit that
// outputs 0 is marked; one that has output 0 on every digit drawn since the page opened is a dead
// ReLU unit. Words come from messages.<language>.json: ?lang=ko, else the browser's language.
"use strict";

const LANGUAGES = ["en", "ko"];
const SEND_EVERY_MS = 120; // while a stroke goes on, at most one request per this many milliseconds
// A hidden layer's grid: up to 256 units 32 a row in cells of 7 pixels, wider layers 64 a row in cells of 4.
const GRIDS = [
  { units: 256, columns: 32, cell: 7 },
  { units: Infinity, columns: 64, cell: 4 },
];

const page = {
  messages: {},
  logdir: "runs",
  runs: [], // every finished run the server lists, grouped by step, newest first
  chosen: [], // the run names whose networks read the drawing, in the list's order
  inked: false, // something is drawn
  inFlight: false,
  again: false, // the drawing changed while a request was in flight
  lastSent: 0,
  digits: 0, // digits drawn since the page opened (a clear starts the next)
  fired: new Map(), // "run#layer" -> Uint8Array: units that have output anything but 0 on some digit
};

function chooseLanguage() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (LANGUAGES.includes(asked)) return asked;
  for (const language of navigator.languages || [navigator.language || "en"]) {
    const base = language.toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

function text(key, values = {}) {
  const template = page.messages[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

function percent(fraction, digits = 1) {
  return `${(100 * fraction).toFixed(digits)}%`;
}

function translate(root) {
  for (const element of root.querySelectorAll("[data-text]")) element.textContent = text(element.dataset.text);
  for (const element of root.querySelectorAll("[data-label]")) element.setAttribute("aria-label", text(element.dataset.label));
}

// An error answer of the API in the learner's language where the page has words for its code.
function errorText(answer) {
  return page.messages[`error_${answer.code}`] ? text(`error_${answer.code}`) : answer.error;
}

function say(message, isError = false) {
  const status = document.getElementById("status");
  status.textContent = message;
  status.classList.toggle("error", isError);
}

// ---- Drawing --------------------------------------------------------------------------------

const pad = document.getElementById("pad");
const pen = pad.getContext("2d");

function setUpPad() {
  const side = pad.clientWidth || 280;
  const scale = window.devicePixelRatio || 1;
  pad.width = Math.round(side * scale);
  pad.height = Math.round(side * scale);
  pen.setTransform(scale, 0, 0, scale, 0, 0);
  clearPad();
  let last = null;
  pad.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    if (!page.inked) page.digits += 1;
    last = point(event);
    stroke([last, last]);
  });
  pad.addEventListener("pointermove", (event) => {
    if (last === null) return;
    const points = (event.getCoalescedEvents ? event.getCoalescedEvents() : []).map(point);
    const path = [last, ...(points.length ? points : [point(event)])];
    stroke(path);
    last = path[path.length - 1];
    if (performance.now() - page.lastSent >= SEND_EVERY_MS) read();
  });
  const end = () => {
    if (last === null) return;
    last = null;
    read();
  };
  pad.addEventListener("pointerup", end);
  pad.addEventListener("pointercancel", end);
  document.getElementById("clear").addEventListener("click", () => {
    clearPad();
    showNothing();
  });
}

function point(event) {
  const box = pad.getBoundingClientRect();
  return [event.clientX - box.left, event.clientY - box.top];
}

function stroke(points) {
  pen.strokeStyle = "#000";
  pen.lineWidth = Number(document.getElementById("pen").value);
  pen.lineCap = "round";
  pen.lineJoin = "round";
  pen.beginPath();
  pen.moveTo(...points[0]);
  for (const each of points.slice(1)) pen.lineTo(...each);
  pen.stroke();
  page.inked = true;
}

function clearPad() {
  pen.fillStyle = "#fff"; // dark ink on white paper: the PNG has no transparency to guess about
  pen.fillRect(0, 0, pad.width, pad.height);
  page.inked = false;
}

// ---- Asking the server ----------------------------------------------------------------------

async function loadRuns() {
  let listing;
  try {
    const response = await fetch("/api/runs");
    listing = await response.json();
    if (!response.ok) return say(errorText(listing), true);
  } catch (error) {
    return say(text("server_gone"), true);
  }
  page.logdir = listing.logdir;
  page.runs = listing.runs;
  const names = new Set(page.runs.map((run) => run.run));
  page.chosen = page.chosen.length ? page.chosen.filter((name) => names.has(name)) : page.runs.filter((run) => run.default).map((run) => run.run);
  showRunPicker();
  showNoRuns(page.runs.length === 0);
  if (page.inked) read();
}

function read() {
  if (!page.inked || page.chosen.length === 0) return;
  if (page.inFlight) {
    page.again = true;
    return;
  }
  page.inFlight = true;
  page.again = false;
  page.lastSent = performance.now();
  pad.toBlob(async (png) => {
    try {
      const query = page.chosen.map((name) => `run=${encodeURIComponent(name)}`).join("&");
      const response = await fetch(`/api/predict?${query}`, { method: "POST", body: png, headers: { "Content-Type": "image/png" } });
      const answer = await response.json();
      if (response.ok) showReadings(answer.models);
      else say(errorText(answer), true);
    } catch (error) {
      say(text("server_gone"), true);
    } finally {
      page.inFlight = false;
      if (page.again) read();
    }
  }, "image/png");
}

// ---- Showing --------------------------------------------------------------------------------

function showNoRuns(none) {
  document.getElementById("no-runs").hidden = !none;
  document.getElementById("legend").hidden = none;
  if (!none) return;
  const logdir = page.logdir === "runs" ? "" : ` --logdir ${page.logdir}`;
  document.getElementById("no-runs-text").textContent = text("no_runs_text", { logdir: page.logdir });
  document.getElementById("train-one").textContent = `python cli.py lab 10-4${logdir}`;
  document.getElementById("train-several").textContent = ["10-1", "10-2", "10-3", "10-5"].map((step) => `python cli.py lab ${step}${logdir}`).join("\n");
  say(text("no_runs_title"), true);
}

function showRunPicker() {
  const list = document.getElementById("runs");
  list.replaceChildren();
  for (const run of page.runs) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = run.run;
    box.checked = page.chosen.includes(run.run);
    box.addEventListener("change", () => {
      const checked = new Set([...list.querySelectorAll("input:checked")].map((each) => each.value));
      page.chosen = page.runs.map((each) => each.run).filter((name) => checked.has(name));
      showCards();
      read();
    });
    const accuracy = run.test_accuracy === null ? "" : ` · ${text("test_accuracy", { accuracy: percent(run.test_accuracy, 2) })}`;
    label.append(box, ` ${run.step} · ${run.started}${accuracy}`);
    label.title = run.description;
    list.append(label);
  }
  showCards();
}

function showCards() {
  const models = document.getElementById("models");
  const cards = new Map([...models.children].map((card) => [card.dataset.run, card]));
  const template = document.getElementById("model-card");
  models.replaceChildren(
    ...page.chosen.map((name) => {
      if (cards.has(name)) return cards.get(name);
      const card = template.content.firstElementChild.cloneNode(true);
      const run = page.runs.find((each) => each.run === name);
      card.dataset.run = name;
      translate(card);
      card.querySelector(".step").textContent = run.step;
      const accuracy = run.test_accuracy === null ? "" : `${text("test_accuracy", { accuracy: percent(run.test_accuracy, 2) })} · `;
      card.querySelector(".about").textContent = `${accuracy}${run.description} · ${run.run}`;
      const bars = card.querySelector(".bars");
      for (let digit = 0; digit < 10; digit += 1) {
        const bar = document.createElement("li");
        bar.innerHTML = '<span class="label"></span><span class="bar"><span class="fill"></span></span><span class="value"></span>';
        bar.querySelector(".label").textContent = digit;
        bars.append(bar);
      }
      return card;
    }),
  );
}

function showNothing() {
  say(text("prompt"));
  const seen = document.getElementById("seen").getContext("2d");
  seen.fillStyle = "#000";
  seen.fillRect(0, 0, 28, 28);
  for (const card of document.getElementById("models").children) {
    card.classList.add("idle");
  }
}

function showReadings(entries) {
  say("");
  let gone = false;
  for (const entry of entries) {
    const card = document.querySelector(`.model[data-run="${CSS.escape(entry.run)}"]`);
    if (!card) continue; // the learner took it off the list while this request was in flight
    card.classList.remove("idle");
    const error = card.querySelector(".error");
    error.hidden = !entry.error;
    card.classList.toggle("failed", Boolean(entry.error));
    if (entry.error) {
      error.textContent = text("error_run_unavailable", { run: entry.run });
      gone = true;
      continue;
    }
    showInput(entry.input);
    showAnswer(card, entry);
    showLayers(card, entry);
  }
  if (gone) loadRuns(); // the runs folder changed: list what is there now
}

function showInput(input) {
  const seen = document.getElementById("seen").getContext("2d");
  const picture = seen.createImageData(28, 28);
  input.flat().forEach((value, index) => {
    const grey = Math.round(255 * value);
    picture.data.set([grey, grey, grey, 255], 4 * index);
  });
  seen.putImageData(picture, 0, 0);
}

function showAnswer(card, entry) {
  card.querySelector(".digit").textContent = entry.digit;
  card.querySelector(".sure").textContent = text("sure", { percent: percent(entry.confidence) });
  card.querySelectorAll(".bars li").forEach((bar, digit) => {
    const probability = entry.probabilities[digit];
    bar.classList.toggle("answer", digit === entry.digit);
    bar.querySelector(".fill").style.width = percent(probability);
    bar.querySelector(".value").textContent = percent(probability);
  });
}

function showLayers(card, entry) {
  const layers = card.querySelector(".layers");
  if (entry.hidden.length === 0) {
    layers.textContent = text("no_hidden");
    return;
  }
  if (layers.children.length !== entry.hidden.length) {
    layers.replaceChildren(
      ...entry.hidden.map(() => {
        const figure = document.createElement("figure");
        figure.append(document.createElement("canvas"), document.createElement("figcaption"));
        return figure;
      }),
    );
  }
  entry.hidden.forEach((values, index) => {
    const key = `${entry.run}#${index}`;
    const fired = page.fired.get(key) ?? new Uint8Array(values.length);
    values.forEach((value, unit) => {
      if (value !== 0) fired[unit] = 1;
    });
    page.fired.set(key, fired);
    const figure = layers.children[index];
    const zero = values.filter((value) => value === 0).length;
    const dead = page.digits >= 2 ? fired.filter((was) => !was).length : null;
    drawUnits(figure.querySelector("canvas"), values, fired, dead !== null);
    const caption = [text("hidden_layer", { index: index + 1, units: values.length }), text("zero_now", { count: zero })];
    if (dead !== null) caption.push(text("dead", { count: dead, digits: page.digits }));
    figure.querySelector("figcaption").textContent = caption.join(" · ");
    figure.dataset.zero = zero;
  });
}

function drawUnits(canvas, values, fired, markDead) {
  const { columns, cell } = GRIDS.find((grid) => values.length <= grid.units);
  canvas.width = columns * cell;
  canvas.height = Math.ceil(values.length / columns) * cell;
  const brush = canvas.getContext("2d");
  const peak = Math.max(...values.map(Math.abs)) || 1;
  values.forEach((value, unit) => {
    const strength = Math.abs(value) / peak;
    if (value === 0) brush.fillStyle = markDead && !fired[unit] ? "#d62728" : "#f7c6c7";
    else if (value > 0) brush.fillStyle = `hsl(215 80% ${Math.round(92 - 62 * strength)}%)`;
    else brush.fillStyle = `hsl(35 90% ${Math.round(88 - 48 * strength)}%)`;
    brush.fillRect((unit % columns) * cell, Math.floor(unit / columns) * cell, cell - 1, cell - 1);
  });
}

async function main() {
  const language = chooseLanguage();
  document.documentElement.lang = language;
  page.messages = await (await fetch(`/static/messages.${language}.json`)).json();
  document.title = text("title");
  translate(document);
  setUpPad();
  showNothing();
  await loadRuns();
  document.body.dataset.ready = "true"; // for tests: the words, the pad and the runs are in place
}

main();
