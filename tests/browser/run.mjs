// Browser tests of a steg preview site, as reviewers meet it.
//
//   node tests/browser/run.mjs SITE_DIR URL
//
// URL is a running `steg serve` of the program (http://127.0.0.1:PORT/), SITE_DIR the
// `preview/` folder that `steg build` wrote for the same program. Both are opened in Debian's
// Chromium (/usr/bin/chromium, headless) through playwright-core: the served site with every
// check below, the built folder from files (file://) with the checks that do not need a server.
// The checks:
//   - style and script: the stylesheet applies (computed style) and preview.js runs, served
//     and from files;
//   - navigation: start page → first modul → first steg, then «Nästa» (rel=next) through every
//     steg of that modul, each with an <h1> and a breadcrumb, in the modul page's order;
//   - a video steg: <track kind=captions srclang=sv> served (200, WEBVTT) and parsed by the
//     browser, the video served, a transcript in <details>; the film plays and can seek
//     (answered with 206 Partial Content);
//   - a form steg: an empty required answer blocks «Skicka svar»; filled, the answers are saved
//     in localStorage and come back after a reload;
//   - axe-core (wcag2a, wcag2aa, wcag21a, wcag21aa) on the start page, a modul, avsnitt, text,
//     video, form and exercise steg, the behandlare and granskning pages and the site index;
//   - a phone-sized screen (390x844): no horizontal scroll on a text steg, then on every page
//     of the site (each also loads and has an <h1>);
//   - every same-origin link and resource on the pages opened answers 200;
//   - no console errors and no failed same-origin requests on any page opened.
//
// Each check prints `ok` or `FAIL` with what went wrong; the last line is
// `browser: N passed, M failed` (read by CI). The exit code is 0 only when nothing failed.
// Run by `tests/testsuite/browser.rs`, which starts `steg serve` and builds the folder.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

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
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const MOBILE = { width: 390, height: 844 };
const TIMEOUT_MS = 15_000;
const MAX_STEG_IN_MODUL = 500; // a "Nästa" loop guard

// ---------------------------------------------------------------------------------------------
// Arguments and prerequisites

function die(message) {
  console.error(`browser tests: ${message}`);
  console.log("browser: 0 passed, 1 failed");
  process.exit(2);
}

const siteArg = process.argv[2];
const serveUrl = process.argv[3];
if (!siteArg || !serveUrl || !/^http:\/\/[^/]+\/$/.test(serveUrl)) {
  die(
    "usage: node tests/browser/run.mjs SITE_DIR URL (the preview/ folder written by `steg build`, " +
      "and the address of a running `steg serve`, e.g. http://127.0.0.1:4000/)",
  );
}
const SITE = path.resolve(siteArg);
if (!fs.existsSync(path.join(SITE, "index.html"))) {
  die(`${SITE} has no index.html: give the preview/ folder written by \`steg build\``);
}
if (!fs.existsSync(CHROMIUM)) {
  die(`${CHROMIUM} not found: install it with \`apt-get update && apt-get install -y chromium\``);
}

const require = createRequire(import.meta.url);
let chromium, AXE_SOURCE;
try {
  ({ chromium } = require("playwright-core"));
  AXE_SOURCE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
} catch (e) {
  die(
    `playwright-core or axe-core is missing (${e.code || e.message}): ` +
      `run \`npm ci --prefix ${path.relative(process.cwd(), HERE) || "."}\``,
  );
}

// ---------------------------------------------------------------------------------------------
// Results

let passed = 0;
let failed = 0;

class CheckFailed extends Error {}

/** Fails the check when `condition` is false; `message` may be a function (built only then). */
function assert(condition, message) {
  if (!condition) throw new CheckFailed(typeof message === "function" ? message() : message);
}

/** Runs one named check; a thrown error fails it with its message. Returns its value. */
async function check(name, fn) {
  try {
    const detail = await fn();
    passed++;
    console.log(`ok    ${name}${detail && typeof detail === "string" ? `: ${detail}` : ""}`);
    return detail;
  } catch (e) {
    failed++;
    const message = e instanceof CheckFailed ? e.message : e.stack || String(e);
    console.log(`FAIL  ${name}\n${indent(message)}`);
    return undefined;
  }
}

function indent(text) {
  return String(text)
    .split("\n")
    .map((l) => `      ${l}`)
    .join("\n");
}

// ---------------------------------------------------------------------------------------------
// Browser helpers

let BASE; // http://127.0.0.1:PORT/
let browser;

/** Every page opened, by path, with the console errors and failed requests seen on it. */
const pagesSeen = new Map();
/** Every same-origin link found on an opened page: href -> the page it was found on. */
const linksSeen = new Map();

function rel(url) {
  return url.startsWith(BASE) ? url.slice(BASE.length) : url;
}

function sameOrigin(url) {
  return url.startsWith(BASE);
}

function record(pageUrl) {
  const key = rel(pageUrl.split("#")[0]);
  if (!pagesSeen.has(key)) pagesSeen.set(key, { problems: [] });
  return pagesSeen.get(key);
}

/** A fresh browser context (its own localStorage) whose pages report problems. */
async function newContext(options = {}) {
  const context = await browser.newContext({ locale: "sv-SE", ...options });
  context.setDefaultTimeout(TIMEOUT_MS);
  context.setDefaultNavigationTimeout(TIMEOUT_MS);
  context.on("page", watch);
  return context;
}

function watch(page) {
  const problem = (text) => record(page.url()).problems.push(text);
  page.on("console", (msg) => {
    if (msg.type() === "error") {
      const loc = msg.location();
      problem(`console error: ${msg.text()}${loc && loc.url ? ` (${rel(loc.url)}:${loc.lineNumber})` : ""}`);
    }
  });
  page.on("pageerror", (err) => problem(`uncaught exception: ${err.message}`));
  page.on("requestfailed", (req) => {
    if (!sameOrigin(req.url())) return;
    const reason = req.failure() ? req.failure().errorText : "failed";
    // A media download (a film, or its caption track) cut short because the page was left
    // is not a fault of the site.
    const media = ["media", "texttrack"].includes(req.resourceType());
    if (reason === "net::ERR_ABORTED" && media) return;
    // So is steg serve's live-reload event stream, open until the page is left.
    if (reason === "net::ERR_ABORTED" && req.url().endsWith("/_tower-livereload/event-stream")) return;
    problem(`request failed: ${req.method()} ${rel(req.url())} (${reason})`);
  });
  page.on("response", (res) => {
    if (sameOrigin(res.url()) && res.status() >= 400) {
      problem(`HTTP ${res.status()} for ${rel(res.url())} (${res.request().resourceType()})`);
    }
  });
  page.on("load", () => collectLinks(page).catch(() => {}));
}

async function collectLinks(page) {
  const from = rel(page.url());
  record(page.url());
  const hrefs = await page.evaluate(() =>
    Array.from(document.querySelectorAll("a[href], link[href], [src]"), (el) => el.href || el.src),
  );
  for (const href of hrefs) {
    if (typeof href === "string" && sameOrigin(href)) {
      const clean = href.split("#")[0];
      if (!linksSeen.has(clean)) linksSeen.set(clean, from);
    }
  }
}

async function open(context, relPath) {
  const page = await context.newPage();
  const res = await page.goto(BASE + relPath, { waitUntil: "load" });
  assert(res && res.ok(), `${relPath} answered ${res ? res.status() : "nothing"}`);
  return page;
}

/** Clicks a link and waits until the page it names has loaded. */
async function follow(page, locator) {
  const href = await locator.evaluate((a) => a.href);
  await Promise.all([page.waitForURL(href, { waitUntil: "load" }), locator.click()]);
  return href;
}

/** The steg links of the modul page shown, in order, each with its tag (Text, Film, …). */
async function stegOfModul(page) {
  return page.$$eval("main .steg-list li", (items) =>
    items.map((li) => ({
      url: li.querySelector("a").href,
      title: li.querySelector("a").textContent.trim(),
      tag: (li.querySelector(".tag") || { textContent: "" }).textContent.trim(),
    })),
  );
}

async function fetchText(url) {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type") || "", body: await res.text() };
}

async function axeCheck(context, name, relPath) {
  await check(`axe (WCAG 2.1 A/AA): ${name} (${relPath})`, async () => {
    const page = await open(context, relPath);
    // Closed <details> (transcripts, modul lists) are opened so their content is checked too.
    await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
    await page.addScriptTag({ content: AXE_SOURCE });
    const result = await page.evaluate(
      (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }),
      AXE_TAGS,
    );
    await page.close();
    const v = result.violations;
    const nodes = v.reduce((n, x) => n + x.nodes.length, 0);
    axeFigures.push({
      name,
      relPath,
      violations: v.length,
      nodes,
      passes: result.passes.length,
      incomplete: result.incomplete.map((x) => `${x.id} (${x.nodes.length})`),
    });
    assert(
      v.length === 0,
      `${v.length} violation(s) on ${nodes} node(s):\n` +
        v
          .map(
            (x) =>
              `${x.id} [${x.impact}] ${x.help} (${x.helpUrl})\n` +
              x.nodes.map((n) => `  - ${n.target.join(" ")}: ${n.failureSummary.split("\n").join(" ")}`).join("\n"),
          )
          .join("\n"),
    );
    return `0 violations, ${result.passes.length} rules passed, ${result.incomplete.length} to review by hand`;
  });
}
const axeFigures = [];

// ---------------------------------------------------------------------------------------------
// The checks

async function main() {
  BASE = serveUrl;
  console.log(`checking steg serve at ${BASE}, and ${SITE} from files`);

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  console.log(`using Chromium ${browser.version()}, axe-core ${require("axe-core/package.json").version}`);

  try {
    await runChecks();
    await fileChecks();
  } finally {
    await browser.close();
  }
}

/** Opens `url` in a new page of `context`, noting each request that finished loading. */
async function openNoting(context, url) {
  const page = await context.newPage();
  const finished = [];
  page.on("requestfinished", (r) => finished.push(r.url()));
  const res = await page.goto(url, { waitUntil: "load" });
  assert(res === null || res.ok(), `${url} answered ${res ? res.status() : "nothing"}`);
  return { page, finished };
}

/** The stylesheet applies and preview.js was loaded (`finished`: the requests that finished;
 * its running shows on form pages, see fillAndSave). */
async function styleAndScript(page, where, finished) {
  const style = await page.evaluate(() => {
    const body = getComputedStyle(document.body);
    const skip = document.querySelector("a.skip");
    return {
      margin: body.margin,
      lineHeight: parseFloat(body.lineHeight) / parseFloat(body.fontSize),
      // The skip link is moved out of sight by the stylesheet until it has focus.
      skipHidden: skip ? skip.getBoundingClientRect().bottom <= 0 || getComputedStyle(skip).position !== "static" : false,
      sheets: Array.from(document.styleSheets, (s) => s.href || "inline"),
    };
  });
  assert(style.margin === "0px", `${where}: body margin is ${style.margin}: the stylesheet did not apply (sheets: ${style.sheets.join(", ")})`);
  assert(Math.abs(style.lineHeight - 1.6) < 0.01, `${where}: body line-height is ${style.lineHeight}, the stylesheet says 1.6`);
  assert(style.skipHidden, `${where}: the skip link is not moved away: the stylesheet did not apply`);
  assert(
    finished.some((u) => u.endsWith("/static/preview.js")),
    () => `${where}: preview.js was not loaded; loaded: ${finished.join(", ")}`,
  );
  return `body margin ${style.margin}, line-height ${style.lineHeight.toFixed(2)}`;
}

/** Submits a form steg's required answers; the status «Sparat …» is written by preview.js. */
async function fillAndSave(page) {
  const form = page.locator("main form.steg-form");
  assert((await form.count()) === 1, "no form.steg-form on the page");
  const fields = await form.evaluate((f) => {
    const out = [];
    const groups = new Set();
    f.querySelectorAll("input, textarea").forEach((el) => {
      const inRequiredSet = el.type === "checkbox" && el.closest("fieldset[data-required]");
      if (!el.required && !inRequiredSet) return;
      if (el.type === "radio" || el.type === "checkbox") {
        if (groups.has(el.name)) return;
        groups.add(el.name);
      }
      out.push({ id: el.id, type: el.type });
    });
    return out;
  });
  for (const field of fields) {
    const el = form.locator(`[id="${field.id}"]`);
    if (field.type === "radio" || field.type === "checkbox") await el.check();
    else await el.fill({ time: "21:30", date: "2026-01-15", number: "1" }[field.type] ?? "Provsvar");
  }
  await form.getByRole("button", { name: "Skicka svar" }).click();
  const status = form.locator(".status");
  await page.waitForFunction((s) => s.textContent.trim() !== "", await status.elementHandle());
  const text = (await status.textContent()).trim();
  assert(/Sparat/.test(text), `the status after submit is «${text}», expected «Sparat …» (written by preview.js)`);
  return text;
}

/** The built folder opened from files, as a reviewer who got it by mail would. */
async function fileChecks() {
  const base = pathToFileURL(SITE).href + "/";
  const context = await browser.newContext({ locale: "sv-SE" });
  context.setDefaultTimeout(TIMEOUT_MS);
  for (const [name, relPath, form] of [
    ["site index", "index.html", false],
    ["start page", "plus-ung/index.html", false],
    ["text steg", "plus-ung/steg/somn/varfor-sover-vi/valkommen.html", false],
    ["form steg", "plus-ung/steg/somn/varfor-sover-vi/din-somn-just-nu.html", true],
  ]) {
    await check(`from files: ${name} styled, script runs, no errors (${relPath})`, async () => {
      const problems = [];
      const onPage = (page) => {
        page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
        page.on("pageerror", (e) => problems.push(`uncaught exception: ${e.message}`));
        page.on("requestfailed", (r) => r.url().startsWith("file:") && problems.push(`failed: ${r.url()}`));
      };
      context.once("page", onPage);
      const { page, finished } = await openNoting(context, base + relPath);
      let detail = await styleAndScript(page, relPath, finished);
      if (form) detail += `, form: «${await fillAndSave(page)}»`;
      await page.close();
      assert(problems.length === 0, problems.join("\n"));
      return detail;
    });
  }
  await context.close();
}

async function runChecks() {
  const ctx = await newContext();

  // 0. The pages as steg serve sends them: styled, with the script running.
  for (const relPath of [
    "",
    "plus-ung/index.html",
    "plus-ung/steg/somn/varfor-sover-vi/valkommen.html",
    "plus-ung/steg/somn/varfor-sover-vi/din-somn-just-nu.html",
  ]) {
    await check(`served: stylesheet applies and preview.js runs (/${relPath})`, async () => {
      const { page, finished } = await openNoting(ctx, BASE + relPath);
      let detail = await styleAndScript(page, `/${relPath}`, finished);
      if (relPath.endsWith("din-somn-just-nu.html")) detail += `, form: «${await fillAndSave(page)}»`;
      await page.close();
      return detail;
    });
  }

  // Found by the navigation check and used by the others.
  const found = { startPage: "plus-ung/index.html", modul: null, steg: [], text: null, video: null, form: null };

  // 1. Walk the first modul with "Nästa".
  await check("navigation: start page → first modul → every steg by «Nästa»", async () => {
    const page = await open(ctx, found.startPage);
    const firstModul = page.locator("main .cards a").first();
    assert((await firstModul.count()) === 1, "the start page lists no modul (main .cards a)");
    const modulUrl = await follow(page, firstModul);
    found.modul = rel(modulUrl);
    const steg = await stegOfModul(page);
    found.steg = steg;
    found.avsnitt = await page
      .locator("main .avsnitt h2 a")
      .first()
      .evaluate((a) => a.href)
      .then(rel, () => null);
    assert(steg.length > 0, `the modul page ${found.modul} lists no steg (main .steg-list li)`);
    const expected = steg.map((s) => s.url);

    const firstSteg = page.locator("main .steg-list a").first();
    await follow(page, firstSteg);
    const visited = [];
    for (;;) {
      const here = page.url().split("#")[0];
      visited.push(here);
      assert(visited.length <= MAX_STEG_IN_MODUL, `more than ${MAX_STEG_IN_MODUL} steg: «Nästa» loops`);
      const where = rel(here);
      const h1 = await page.locator("main h1").first().textContent().catch(() => null);
      assert(h1 && h1.trim(), `${where} has no <h1> with text in <main>`);
      const crumbs = page.locator('main nav.crumbs, main nav[aria-label="Du är här"]');
      assert((await crumbs.count()) === 1, `${where} has no breadcrumb (nav.crumbs)`);
      const crumbLinks = await crumbs.locator("a").evaluateAll((as) => as.map((a) => a.href));
      assert(crumbLinks.includes(modulUrl), `${where}: the breadcrumb does not link to the modul page ${found.modul}`);
      const current = await crumbs.locator('[aria-current="page"]').count();
      assert(current === 1, `${where}: the breadcrumb marks ${current} items aria-current="page" (expected 1)`);

      const next = page.locator('a[rel="next"]');
      const n = await next.count();
      assert(n <= 1, `${where} has ${n} rel=next links`);
      if (n === 0) break;
      const nextHref = await next.evaluate((a) => a.href);
      assert(/Nästa/.test(await next.textContent()), `${where}: the rel=next link does not say «Nästa»`);
      assert(!visited.includes(nextHref.split("#")[0]), () => `${where}: «Nästa» goes back to ${rel(nextHref)}, visited before`);
      if (!expected.includes(nextHref.split("#")[0])) {
        // The next link leaves the modul: the walk ends here.
        break;
      }
      await follow(page, next);
    }
    await page.close();

    const shown = (list) => list.map((u, i) => `${i + 1}. ${rel(u)}`).join("\n");
    assert(
      visited.length === expected.length,
      `«Nästa» went through ${visited.length} steg, the modul page lists ${expected.length}.\n` +
        `visited:\n${shown(visited)}\nlisted:\n${shown(expected)}`,
    );
    const firstDiff = visited.findIndex((u, i) => u !== expected[i]);
    assert(
      firstDiff === -1,
      () => `steg ${firstDiff + 1} reached by «Nästa» is ${rel(visited[firstDiff])}, ` +
        `the modul page lists ${rel(expected[firstDiff])} there`,
    );
    return `${found.modul}: ${visited.length} steg visited, ${expected.length} listed`;
  });

  // The pages the other checks use: found by their tags on the modul page.
  const byTag = (tag) => found.steg.find((s) => s.tag === tag);
  found.text = byTag("Text") && rel(byTag("Text").url);
  found.video = byTag("Film") && rel(byTag("Film").url);
  found.form = byTag("Formulär") && rel(byTag("Formulär").url);
  found.exercise = byTag("Uppgift") && rel(byTag("Uppgift").url);
  found.modul = found.modul || "plus-ung/modul/somn.html";
  found.text = found.text || "plus-ung/steg/somn/varfor-sover-vi/valkommen.html";
  found.video = found.video || "plus-ung/steg/somn/varfor-sover-vi/film-kroppens-klocka.html";
  found.form = found.form || "plus-ung/steg/somn/varfor-sover-vi/din-somn-just-nu.html";
  found.avsnitt = found.avsnitt || "plus-ung/avsnitt/somn/varfor-sover-vi.html";

  // 2. A video steg: captions served and a transcript.
  await check(`video steg: captions (WebVTT, sv) and transcript (${found.video})`, async () => {
    const page = await open(ctx, found.video);
    const video = page.locator("main video");
    assert((await video.count()) === 1, `expected one <video> in <main>, found ${await video.count()}`);
    const track = video.locator('track[kind="captions"][srclang="sv"]');
    assert((await track.count()) === 1, 'the <video> has no <track kind="captions" srclang="sv">');
    const trackUrl = await track.evaluate((t) => t.src);
    assert(trackUrl, "the captions track has no src");
    const vtt = await fetchText(trackUrl);
    assert(vtt.status === 200, `captions ${rel(trackUrl)} answered HTTP ${vtt.status}`);
    assert(/^text\/vtt/.test(vtt.type), `captions served as ${vtt.type}, expected text/vtt`);
    assert(vtt.body.replace(/^\uFEFF/, "").startsWith("WEBVTT"), `captions ${rel(trackUrl)} do not start with WEBVTT`);
    // The browser itself loads and parses the default track.
    const cues = await page
      .waitForFunction(
        () => {
          const t = document.querySelector('video track[kind="captions"]');
          if (!t || t.readyState === 3) return -1; // 3 = ERROR
          return t.readyState === 2 ? t.track.cues.length : false; // 2 = LOADED
        },
        null,
        { timeout: TIMEOUT_MS },
      )
      .then((h) => h.jsonValue())
      .catch(() => "timeout");
    assert(cues !== -1, "the browser could not load the captions track (readyState ERROR)");
    assert(cues !== "timeout", "the browser did not load the captions track in time");
    assert(cues > 0, "the browser parsed no cues from the captions track");

    const sources = await video.evaluate((v) =>
      [v.src, ...Array.from(v.querySelectorAll("source"), (s) => s.src)].filter(Boolean),
    );
    assert(sources.length > 0, "the <video> has no source");
    for (const src of sources) {
      const res = await fetch(src, { headers: { Range: "bytes=0-0" } });
      await res.arrayBuffer();
      assert(res.ok, `video ${rel(src)} answered HTTP ${res.status}`);
      assert(/^video\//.test(res.headers.get("content-type") || ""), `video ${rel(src)} served as ${res.headers.get("content-type")}`);
    }

    const details = page.locator("main details");
    assert((await details.count()) >= 1, "no <details> with a transcript");
    const summary = (await details.first().locator("summary").textContent().catch(() => "")).trim();
    assert(summary, "the transcript <details> has no <summary>");
    const text = (await details.first().evaluate((d) => d.textContent.replace(d.querySelector("summary")?.textContent || "", ""))).trim();
    assert(text.length >= 40, `the transcript is nearly empty (${text.length} characters)`);
    await page.close();
    return `${cues} cues in ${rel(trackUrl)}, transcript «${summary}» ${text.length} characters`;
  });

  // 2b. The film plays, and a reviewer can seek in it (the server answers ranges).
  await check(`video steg: the film plays and can seek (${found.video})`, async () => {
    const page = await open(ctx, found.video);
    const played = await page.evaluate(async () => {
      const v = document.querySelector("main video");
      v.muted = true;
      await v.play();
      await new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no progress: currentTime ${v.currentTime}`)), 10000);
        v.addEventListener("timeupdate", function tick() {
          if (v.currentTime > 0) {
            clearTimeout(t);
            v.removeEventListener("timeupdate", tick);
            resolve();
          }
        });
      });
      v.pause();
      const target = v.duration / 2;
      await new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("no seeked event")), 10000);
        v.addEventListener("seeked", () => (clearTimeout(t), resolve()), { once: true });
        v.currentTime = target;
      });
      // A small film is fetched whole; a large one in ranges, which the server must answer.
      const range = await fetch(v.currentSrc, { headers: { Range: "bytes=100-199" } });
      const bytes = (await range.arrayBuffer()).byteLength;
      return {
        duration: v.duration,
        at: v.currentTime,
        target,
        seekable: v.seekable.length ? v.seekable.end(0) : 0,
        range: `${range.status} ${range.headers.get("content-range")} ${bytes}`,
      };
    });
    await page.close();
    assert(Math.abs(played.at - played.target) < 0.5, `seeked to ${played.at}, asked for ${played.target}`);
    assert(played.seekable >= played.duration - 0.5, `seekable only up to ${played.seekable} of ${played.duration}`);
    assert(/^206 bytes 100-199\/\d+ 100$/.test(played.range), `a range of the film was answered with ${played.range}`);
    return `played, sought to ${played.at.toFixed(2)} s of ${played.duration.toFixed(2)} s; range: ${played.range}`;
  });

  // 3. A form steg: required answers, saving and restoring.
  await check(`form steg: required answers, saving, restoring (${found.form})`, async () => {
    const context = await newContext();
    const page = await open(context, found.form);
    const form = page.locator("main form.steg-form");
    assert((await form.count()) === 1, "no form.steg-form on the page");
    const key = await form.getAttribute("data-storage-key");
    assert(key, "the form has no data-storage-key");
    const status = form.locator(".status");
    const submit = form.getByRole("button", { name: "Skicka svar" });
    assert((await submit.count()) === 1, "no «Skicka svar» button");

    const required = await form.evaluate((f) => f.querySelectorAll("[required], fieldset[data-required]").length);
    assert(required > 0, "the form has no required field, so the empty-field check means nothing");

    // Empty: the browser stops the submit and nothing is saved.
    await submit.click();
    await page.waitForTimeout(200);
    const invalid = await form.evaluate((f) => {
      const first = f.querySelector(":invalid:not(fieldset)");
      return {
        valid: f.checkValidity(),
        first: first ? `${first.tagName.toLowerCase()}[name=${first.name}]#${first.id}` : null,
        focused: !!first && document.activeElement === first,
      };
    });
    assert(invalid.valid === false, "form.checkValidity() is true with every required answer empty");
    assert(invalid.first, "no element is :invalid with every required answer empty");
    assert(((await status.textContent()) || "").trim() === "", `the status shows «${await status.textContent()}» after an invalid submit`);
    assert(
      (await page.evaluate((k) => localStorage.getItem(k), key)) === null,
      "answers were saved to localStorage after an invalid submit",
    );
    assert(invalid.focused, `the first invalid field ${invalid.first} did not get focus`);

    // Fill every required answer, one by one as a person would.
    const expected = {};
    const fields = await form.evaluate((f) => {
      const out = [];
      const groups = new Set();
      f.querySelectorAll("input, textarea").forEach((el) => {
        const inRequiredSet = el.type === "checkbox" && el.closest("fieldset[data-required]");
        if (!el.required && !inRequiredSet) return;
        if (el.type === "radio" || el.type === "checkbox") {
          if (groups.has(el.name)) return;
          groups.add(el.name);
        }
        out.push({ id: el.id, name: el.name, type: el.type, value: el.value });
      });
      return out;
    });
    for (const field of fields) {
      const el = form.locator(`[id="${field.id}"]`);
      if (field.type === "radio" || field.type === "checkbox") {
        await el.check();
        expected[field.name] = field.type === "checkbox" ? [field.value] : field.value;
      } else {
        // A value of the kind the field takes, as a person would type it.
        const byType = { time: "21:30", date: "2026-01-15", number: "1" };
        const value = byType[field.type] ?? `Provsvar ${field.name}`;
        await el.fill(value);
        expected[field.name] = value;
      }
    }
    const stillInvalid = await form.evaluate((f) =>
      Array.from(f.querySelectorAll(":invalid:not(fieldset)"), (el) => el.name || el.id),
    );
    assert(stillInvalid.length === 0, `still invalid after filling every required answer: ${stillInvalid.join(", ")}`);

    await submit.click();
    await page.waitForFunction((s) => s.textContent.trim() !== "", await status.elementHandle());
    const statusText = (await status.textContent()).trim();
    assert(/Sparat/.test(statusText), `the status after submit is «${statusText}», expected «Sparat …»`);
    const stored = JSON.parse((await page.evaluate((k) => localStorage.getItem(k), key)) || "null");
    assert(stored, `nothing in localStorage under ${key}`);
    for (const [name, value] of Object.entries(expected)) {
      assert(
        JSON.stringify(stored[name]) === JSON.stringify(value),
        `localStorage[${key}].${name} is ${JSON.stringify(stored[name])}, expected ${JSON.stringify(value)}`,
      );
    }

    // Reload: the answers come back.
    await page.reload({ waitUntil: "load" });
    for (const field of fields) {
      const el = page.locator(`main form.steg-form [id="${field.id}"]`);
      if (field.type === "radio" || field.type === "checkbox") {
        assert(await el.isChecked(), `after reload ${field.name} (${field.id}) is not checked`);
      } else {
        const v = await el.inputValue();
        assert(v === expected[field.name], `after reload ${field.name} is «${v}», expected «${expected[field.name]}»`);
      }
    }
    const validAfterReload = await page.locator("main form.steg-form").evaluate((f) => f.checkValidity());
    assert(validAfterReload, "the restored form is not valid");
    await context.close();
    return `${required} required, first invalid ${invalid.first}, ${fields.length} answers filled, saved under ${key} and restored`;
  });

  // 4. axe-core on the main kinds of page.
  const axeCtx = await newContext();
  const axePages = [
    ["start page (invånare)", found.startPage],
    ["modul page", found.modul],
    ["text steg", found.text],
    ["video steg", found.video],
    ["form steg", found.form],
    ["behandlare", "plus-ung/behandlare.html"],
    ["granskning", "plus-ung/granskning.html"],
    // Beyond the list above: the other kinds of page.
    ["site index", "index.html"],
    ["avsnitt page", found.avsnitt],
    ...(found.exercise ? [["exercise steg", found.exercise]] : []),
  ];
  for (const [name, relPath] of axePages) {
    await axeCheck(axeCtx, name, relPath);
  }

  // 5. A phone-sized screen: no horizontal scroll.
  const phone = await newContext({ viewport: MOBILE });
  const mobilePages = [["text steg", found.text]];
  for (const [name, relPath] of mobilePages) {
    await check(`mobile ${MOBILE.width}x${MOBILE.height}: no horizontal scroll on ${name} (${relPath})`, async () => {
      const page = await open(phone, relPath);
      const m = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        wide: Array.from(document.querySelectorAll("main *"))
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 5)
          .map((el) => `${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).split(" ").join(".") : ""}`),
      }));
      await page.close();
      assert(m.innerWidth === MOBILE.width, `innerWidth is ${m.innerWidth}, expected ${MOBILE.width}`);
      assert(
        m.scrollWidth <= m.innerWidth,
        `scrollWidth ${m.scrollWidth} > innerWidth ${m.innerWidth}; wider than the screen: ${m.wide.join(", ") || "?"}`,
      );
      return `scrollWidth ${m.scrollWidth} <= innerWidth ${m.innerWidth}`;
    });
  }

  // 6. Every page of the site on a phone-sized screen: it loads, has an <h1>, and does not
  // scroll sideways (with closed <details> opened). Console errors are collected as above.
  await check(`every page: loads, has an <h1>, no horizontal scroll at ${MOBILE.width}x${MOBILE.height}`, async () => {
    const files = fs
      .readdirSync(SITE, { recursive: true })
      .filter((f) => f.endsWith(".html"))
      .map((f) => f.split(path.sep).join("/"))
      .sort();
    const page = await phone.newPage();
    const problems = [];
    for (const f of files) {
      const res = await page.goto(BASE + f, { waitUntil: "load" });
      if (!res || !res.ok()) {
        problems.push(`${f}: HTTP ${res ? res.status() : "no answer"}`);
        continue;
      }
      await collectLinks(page);
      const m = await page.evaluate(() => {
        document.querySelectorAll("details").forEach((d) => (d.open = true));
        const h1 = document.querySelector("h1");
        return {
          h1: h1 ? h1.textContent.trim() : "",
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
        };
      });
      if (!m.h1) problems.push(`${f}: no <h1> with text`);
      if (m.scrollWidth > m.innerWidth) problems.push(`${f}: scrollWidth ${m.scrollWidth} > innerWidth ${m.innerWidth}`);
    }
    await page.close();
    assert(problems.length === 0, problems.join("\n"));
    return `${files.length} pages`;
  });

  // 7. Every link and resource on the pages opened answers 200.
  await check("links: every same-origin link and resource on the pages opened is served", async () => {
    const broken = [];
    for (const [url, from] of linksSeen) {
      const res = await fetch(url, { method: "HEAD" });
      if (res.status !== 200) broken.push(`${rel(url)} (HTTP ${res.status}), linked from ${from}`);
    }
    assert(broken.length === 0, `${broken.length} broken:\n${broken.join("\n")}`);
    return `${linksSeen.size} distinct URLs`;
  });

  await ctx.close();
  await axeCtx.close();
  await phone.close();

  // 8. Console errors and failed requests on every page opened by the checks above.
  const opened = [...pagesSeen].filter(([p]) => p !== "" && p !== "about:blank");
  await check("console and network: no console errors, no failed same-origin requests", async () => {
    const bad = opened
      .map(([p, { problems }]) => [p, [...new Set(problems)]])
      .filter(([, problems]) => problems.length > 0);
    assert(
      bad.length === 0,
      () => `${bad.length} of ${opened.length} pages:\n` + bad.map(([p, problems]) => `${p}:\n${problems.map((x) => `  ${x}`).join("\n")}`).join("\n"),
    );
    return `${opened.length} pages`;
  });
  console.log(`pages opened: ${opened.length}`);
  for (const a of axeFigures) {
    console.log(`axe ${a.name}: ${a.violations} violations (${a.nodes} nodes), ${a.passes} rules passed, incomplete: ${a.incomplete.join(", ") || "none"}`);
  }
}

main()
  .catch((e) => {
    failed++;
    console.log(`FAIL  the test run itself\n${indent(e.stack || e)}`);
  })
  .finally(() => {
    console.log(`browser: ${passed} passed, ${failed} failed`);
    process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
  });
