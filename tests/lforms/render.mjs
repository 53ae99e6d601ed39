// steg's exported FHIR Questionnaires in a real form filler: LHC-Forms (npm `lforms`, pinned
// in this folder's package.json), its prebuilt web component, in Debian's Chromium (headless,
// through tests/browser's playwright-core).
//
//   node tests/lforms/render.mjs QUESTIONNAIRE.json...
//
// For each Questionnaire: a page served from 127.0.0.1 loads LHC-Forms as its README says
// (styles.css, zone.min.js, runtime.js, polyfills.js, main.js, then the R4 FHIR support
// library), and `LForms.Util.addFormToPage(questionnaire, element)` renders it. Checked:
//   - the form became ready (the promise resolved: LHC-Forms read and converted it);
//   - every question shown from the start (an answerable item with no enableWhen on itself or
//     a group above it) is rendered as a question, with its text: as many rendered questions
//     as the Questionnaire has, and each text on the page;
//   - the display items' texts and the form's title are on the page;
//   - a question with enableWhen is hidden, and appears once its condition is answered by a
//     click (the first such item whose condition is a boolean `= true` or a coding), so skip
//     logic works in the filler too;
//   - nothing on the page logged a console error, threw, or failed a request.
// Each check prints `ok` or `FAIL` with what went wrong; the last line is
// `lforms: N passed, M failed`. Exit 0 only when nothing failed.
// Run by `tests/testsuite/lforms.rs`, which builds PLUS ung and passes its exports.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.STEG_CHROMIUM || "/usr/bin/chromium";
const LAUNCH_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const TIMEOUT_MS = 30_000;

function die(message) {
  console.error(`lforms: ${message}`);
  console.log("lforms: 0 passed, 1 failed");
  process.exit(2);
}

const files = process.argv.slice(2);
if (files.length === 0) die("give one or more Questionnaire files");
const DIST = path.join(HERE, "node_modules/lforms/dist/lforms");
if (!fs.existsSync(path.join(DIST, "webcomponent/main.js"))) {
  die(`${DIST} is missing: run \`npm ci\` in tests/lforms (bash .ci/run does)`);
}
if (!fs.existsSync(CHROMIUM)) die(`${CHROMIUM} is missing (apt-get install chromium)`);
let chromium;
try {
  // playwright-core is pinned once, with the other browser tests.
  const require = createRequire(path.join(HERE, "../browser/package.json"));
  ({ chromium } = require("playwright-core"));
} catch (e) {
  die(`playwright-core is missing: run \`npm ci\` in tests/browser (${e.message})`);
}
const VERSION = JSON.parse(
  fs.readFileSync(path.join(HERE, "node_modules/lforms/package.json"), "utf8"),
).version;

// ---------------------------------------------------------------------------------------------
// What a Questionnaire should show

const ANSWERABLE = new Set([
  "boolean", "decimal", "integer", "date", "dateTime", "time", "string", "text", "url",
  "choice", "open-choice", "attachment", "reference", "quantity",
]);

/** Items in order, each with whether it is shown from the start (no enableWhen above it). */
function flatten(items, shown = true, out = []) {
  for (const item of items || []) {
    const here = shown && !(item.enableWhen && item.enableWhen.length);
    out.push({ item, shown: here });
    flatten(item.item, here, out);
  }
  return out;
}

function controlOf(item) {
  const ext = (item.extension || []).find((e) => e.url.endsWith("questionnaire-itemControl"));
  return ext && ext.valueCodeableConcept && ext.valueCodeableConcept.coding[0].code;
}

/** The text LHC-Forms shows for an item: `text`, or its rendering-xhtml/markdown as plain. */
function plain(text) {
  return (text || "").replace(/\s+/g, " ").trim();
}

// ---------------------------------------------------------------------------------------------
// A page and a server for LHC-Forms' files

const PAGE = `<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>LHC-Forms</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/lforms/webcomponent/styles.css">
<script src="/lforms/webcomponent/assets/lib/zone.min.js"></script>
<script src="/lforms/webcomponent/runtime.js" type="module"></script>
<script src="/lforms/webcomponent/polyfills.js" type="module"></script>
<script src="/lforms/webcomponent/main.js" type="module"></script>
<script src="/lforms/fhir/R4/lformsFHIR.min.js" defer></script>
</head><body><main><div id="form"></div></main></body></html>`;

const TYPES = {
  ".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".ico": "image/x-icon",
  ".map": "application/json", ".json": "application/json",
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  if (url.pathname === "/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(PAGE);
  }
  if (url.pathname.startsWith("/lforms/")) {
    const rel = path.normalize(decodeURIComponent(url.pathname.slice("/lforms/".length)));
    const file = path.join(DIST, rel);
    if (!rel.startsWith("..") && file.startsWith(DIST) && fs.existsSync(file) && fs.statSync(file).isFile()) {
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
      return res.end(fs.readFileSync(file));
    }
  }
  res.writeHead(404);
  res.end();
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const BASE = `http://127.0.0.1:${server.address().port}/`;

// ---------------------------------------------------------------------------------------------
// The checks

let passed = 0;
let failed = 0;
function report(name, problems, detail) {
  if (problems.length === 0) {
    passed++;
    console.log(`ok   ${name}${detail ? ` (${detail})` : ""}`);
  } else {
    failed++;
    console.log(`FAIL ${name}`);
    for (const p of problems) console.log(`     ${p}`);
  }
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
console.log(`using Chromium ${browser.version()}, LHC-Forms ${VERSION}`);
try {
  for (const file of files) {
    const q = JSON.parse(fs.readFileSync(file, "utf8"));
    const name = path.relative(process.cwd(), file);
    const page = await browser.newPage();
    const errors = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
    page.on("response", (r) => {
      if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    const problems = [];
    const shown = flatten(q.item).filter((x) => x.shown && ANSWERABLE.has(x.item.type)).length;
    let detail = `${shown} questions shown from the start`;
    try {
      await page.goto(BASE, { timeout: TIMEOUT_MS });
      await page.waitForFunction(
        () => window.LForms && window.LForms.Util && window.LForms.Util.addFormToPage && window.LForms.Util.getFormFHIRData,
        null,
        { timeout: TIMEOUT_MS },
      );
      const outcome = await page.evaluate(async (questionnaire) => {
        try {
          await window.LForms.Util.addFormToPage(questionnaire, "form", {});
          return null;
        } catch (e) {
          return String(e && e.message ? e.message : e);
        }
      }, q);
      if (outcome !== null) {
        problems.push(`addFormToPage failed: ${outcome}`);
      } else {
        problems.push(...(await checkRendered(page, q)));
        const skip = await checkSkipLogic(page, q);
        if (skip.guarded) detail += `; ${skip.guarded} appeared when answered`;
        problems.push(...skip.problems);
      }
    } catch (e) {
      problems.push(`${e.message}`);
    }
    problems.push(...errors);
    report(`${name}: rendered by LHC-Forms`, problems, detail);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}

/** Every question shown from the start is rendered, with its text; displays and title too. */
async function checkRendered(page, q) {
  const problems = [];
  const all = flatten(q.item);
  const expected = all.filter((x) => x.shown && ANSWERABLE.has(x.item.type));
  const rendered = await page.evaluate(() => {
    // LHC-Forms renders each item as an `lhc-item` holding its question text in
    // `.lhc-question` (label) and its answer control; groups and displays have no control.
    const questions = [...document.querySelectorAll("#form lhc-item")].filter((el) =>
      el.querySelector(":scope .lhc-de-input-unit, :scope input, :scope textarea, :scope nz-select, :scope lhc-autocomplete"),
    );
    return {
      text: document.querySelector("#form").innerText.replace(/\s+/g, " "),
      inputs: document.querySelectorAll("#form .lhc-de-input-unit").length,
      items: questions.length,
    };
  });
  if (rendered.inputs !== expected.length) {
    problems.push(
      `${rendered.inputs} questions rendered (answer controls), the Questionnaire shows ${expected.length} from the start`,
    );
  }
  // A display item with an itemControl is a part of its parent question, shown the filler's
  // way (help behind a button, a slider's end labels), not as a text of its own.
  const own = (x) => !(x.item.type === "display" && controlOf(x.item));
  for (const { item } of all.filter((x) => x.shown && own(x))) {
    const text = plain(item.text);
    if (text && !rendered.text.includes(text)) {
      problems.push(`the text of ${item.linkId} (${item.type}) is not on the page: «${text.slice(0, 80)}»`);
    }
  }
  if (q.title && !rendered.text.includes(plain(q.title))) {
    problems.push(`the title «${q.title}» is not on the page`);
  }
  return problems;
}

/** The first enableWhen on a boolean (`= true`) or a coding: once answered in the form, the
 * item it guards appears. */
async function checkSkipLogic(page, q) {
  const all = flatten(q.item).map((x) => x.item);
  const byLink = new Map(all.map((i) => [i.linkId, i]));
  const guarded = all.find(
    (i) =>
      i.enableWhen &&
      i.enableWhen.length === 1 &&
      i.enableWhen[0].operator === "=" &&
      (i.enableWhen[0].answerBoolean === true || i.enableWhen[0].answerCoding) &&
      byLink.get(i.enableWhen[0].question) &&
      !byLink.get(i.enableWhen[0].question).enableWhen,
  );
  if (!guarded) return { guarded: null, problems: [] };
  const cond = guarded.enableWhen[0];
  const problems = [];
  const text = plain(guarded.text);
  const before = await page.evaluate(() => document.querySelector("#form").innerText.replace(/\s+/g, " "));
  if (text && before.includes(text)) {
    problems.push(`${guarded.linkId} is shown before its condition on ${cond.question} is met`);
  }
  // Answered as a person would: a click on the radio button (a boolean's `true`) or on the
  // check box or radio button of the coding, which LHC-Forms names by linkId, system and code.
  const id =
    cond.answerBoolean === true
      ? `${cond.question}/1|true`
      : `${cond.question}/1|${cond.answerCoding.system}|${cond.answerCoding.code}`;
  const control = page.locator(`[id="${id}"]`);
  if ((await control.count()) !== 1) {
    problems.push(`no answer control #${id} for ${cond.question}`);
    return { guarded: null, problems };
  }
  await control.click();
  try {
    await page.waitForFunction(
      (t) => document.querySelector("#form").innerText.replace(/\s+/g, " ").includes(t),
      text,
      { timeout: 5_000 },
    );
  } catch {
    problems.push(`${guarded.linkId} did not appear once ${cond.question} was answered`);
  }
  return { guarded: guarded.linkId, problems };
}

console.log(`lforms: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
