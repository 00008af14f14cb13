// Opens a cocos trajectory explorer (an offline HTML file) in headless
// Chromium with every network request refused, applies filters as a person
// would, and prints as JSON what the page shows after each step, so Go
// tests can check its counts against the Arrow rows. Shares no code with
// cocos.
//   node explorer_test.mjs FILE STEPS_JSON [SCREENSHOT.png]
// STEPS_JSON is a list of {"hash": "method=cocos&transition=c→i"} (load
// the page at that address), {"select": {"f-transition": "i→c"}} (choose
// in a filter), {"search": "text"}, {"click": "cocos c→i"} (a count) or
// {"clickDiag": "cocos undefined"} (a diagnostics share).
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const [file, stepsJSON, shot] = process.argv.slice(2);
const steps = JSON.parse(stepsJSON);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
const out = { blocked: [], errors: [], steps: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    out.blocked.push(url);
    return route.abort();
  });
  page.on("pageerror", (e) => out.errors.push(String(e)));
  const base = pathToFileURL(file).href;
  const count = async () => Number(await page.locator("#count").textContent());
  for (const step of steps) {
    const started = Date.now();
    if (step.hash !== undefined) {
      await page.goto(base + "#" + step.hash);
      await page.waitForFunction(() => window.explorer?.ready, null, { timeout: 120_000 });
      out.steps.push({ step, count: await count(), loadMs: Date.now() - started, scriptMs: await page.evaluate(() => window.explorer.loadMs) });
      continue;
    }
    if (step.select) for (const [id, value] of Object.entries(step.select)) await page.selectOption("#" + id, value);
    if (step.search !== undefined) {
      await page.fill("#f-q", step.search);
      await page.waitForTimeout(400); // the search waits for typing to pause
    }
    if (step.click) await page.click(`[data-count="${step.click}"]`);
    if (step.clickDiag) await page.click(`[data-diag="${step.clickDiag}"]`);
    out.steps.push({ step, count: await count(), ms: Date.now() - started, hash: await page.evaluate(() => location.hash) });
  }
  // Open the first listed trajectory, as a reader would.
  const first = page.locator("#list tr").nth(1);
  if (await first.count()) {
    await first.click();
    out.detail = await page.locator("#detail").innerText();
  }
  if (shot) await page.screenshot({ path: shot, fullPage: false });
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
