// Browser test of the notebooks: starts the Jupyter Notebook server on
// 127.0.0.1, opens the quickstart notebook in headless Chromium (Debian's,
// driven by playwright-core), runs all cells, checks that no cell failed
// and that an ECharts chart rendered, and saves screenshots.
// Usage: node browser_test.mjs NOTEBOOK_DIR SCREENSHOT.png
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { chromium } from "playwright-core";

const [notebookDir, shot] = process.argv.slice(2);
const book = process.env.NOTEBOOK || "00-quickstart.ipynb";
const token = randomBytes(16).toString("hex");
const minutes = Number(process.env.BROWSER_TEST_MINUTES || 30);

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function waitForServer(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end && !serverExited) {
    try { if ((await fetch(url)).ok) return; } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Jupyter did not answer at ${url}`);
}

const port = await freePort();
const serverArgs = ["-m", "notebook", "--no-browser", "--ip=127.0.0.1", `--port=${port}`,
  `--NotebookApp.token=${token}`, `--notebook-dir=${notebookDir}`];
if (process.getuid?.() === 0) serverArgs.push("--allow-root"); // CI machines run as root
const server = spawn("/usr/bin/python3", serverArgs, { stdio: ["ignore", "ignore", "pipe"] });
let serverLog = "", serverExited = false;
server.stderr.on("data", (d) => { serverLog += d; });
server.on("exit", () => { serverExited = true; });
let browser;
try {
  const base = `http://127.0.0.1:${port}`;
  await waitForServer(`${base}/api?token=${token}`, 60_000);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/notebooks/${book}?token=${token}`);
  await page.waitForFunction(() => window.Jupyter?.notebook?.kernel?.is_connected(), null, { timeout: 120_000 });
  // The committed notebook keeps its outputs: nothing run here is saved.
  await page.evaluate(() => Jupyter.notebook.set_autosave_interval(0));
  await page.evaluate(() => Jupyter.notebook.execute_all_cells());
  // Every code cell gets a number once run; "*" while queued or running.
  await page.waitForFunction(() => Jupyter.notebook.get_cells().filter((c) => c.cell_type === "code")
    .every((c) => typeof c.input_prompt_number === "number"), null, { timeout: minutes * 60_000, polling: 1000 });
  const failed = await page.evaluate(() => Jupyter.notebook.get_cells().map((c, i) => [i, c])
    .filter(([, c]) => c.cell_type === "code" && c.output_area.outputs.some((o) => o.output_type === "error"))
    .map(([i, c]) => `cell ${i}: ` + c.output_area.outputs.filter((o) => o.output_type === "error").map((o) => o.ename + ": " + o.evalue).join("; ")));
  if (failed.length) throw new Error(`cells failed:\n${failed.join("\n")}`);
  const chart = page.locator("div[_echarts_instance_]").first();
  await chart.waitFor({ timeout: 60_000 });
  const drawn = await chart.evaluate((el) => !!el.querySelector("canvas, svg") && el.getBoundingClientRect().height > 100);
  if (!drawn) throw new Error("an ECharts container is there but nothing was drawn in it");
  await chart.scrollIntoViewIfNeeded();
  await page.screenshot({ path: shot });
  console.log(`browser test: ${book} ran in Chromium, ${await page.locator("div[_echarts_instance_]").count()} ECharts chart(s) rendered; screenshot ${shot}`);
} catch (e) {
  console.error(`browser test failed: ${e.message}\n--- jupyter log (tail) ---\n${serverLog.slice(-3000)}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  server.kill("SIGTERM");
}
