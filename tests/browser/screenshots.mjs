// The README's screenshots, taken from a running `steg serve` in Chromium:
//
//   steg serve content --port 4000 &
//   node tests/browser/screenshots.mjs http://127.0.0.1:4000/ docs/images
//
// Writes invanare.png (a film steg), behandlare.png and granskning.png, 1200 px wide.

import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const [url, out] = process.argv.slice(2);
if (!url || !out) {
  console.error("usage: node tests/browser/screenshots.mjs URL OUT_DIR");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.STEG_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, locale: "sv-SE" });
  for (const [name, rel] of [
    ["invanare", "plus-ung/steg/somn/varfor-sover-vi/film-kroppens-klocka.html"],
    ["behandlare", "plus-ung/behandlare.html"],
    ["granskning", "plus-ung/granskning.html"],
  ]) {
    const res = await page.goto(url + rel, { waitUntil: "load" });
    if (!res.ok()) throw new Error(`${rel}: HTTP ${res.status()}`);
    // A film's first frame, not the loading spinner.
    await page.waitForFunction(() => Array.from(document.querySelectorAll("video")).every((v) => v.readyState >= 2));
    // The player's own loading animation fades out after that.
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(out, `${name}.png`) });
    console.log(`${name}.png from ${url + rel}`);
  }
} finally {
  await browser.close();
}
