// The page at /chat in a real Firefox: Debian's firefox-esr driven headless
// by puppeteer-core over WebDriver BiDi (no geckodriver, no browser
// download). Run by e2e/chat_firefox_test.go:
//   node chat-firefox.mjs <base url> <login> <key> <screenshot dir>
// with FIREFOX_PATH (the browser) and FIREFOX_DRIVER_MODULES (a node_modules
// holding puppeteer-core and axe-core). The same journey as
// TestChatPageInABrowser (Chromium), plus the keyboard: tabbing through
// sign-in and the composer with a visible focus ring, Enter to sign in,
// create, send and approve; and axe-core's WCAG 2.1 A and AA rules at each
// state of the journey, then again in the dark colour scheme.
// Every check throws on failure; prints one JSON object: the steps done, the
// values read and, when a step failed, its error (and a failure.png).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [base, login, key, shots] = process.argv.slice(2);
const mods = process.env.FIREFOX_DRIVER_MODULES;
const { default: puppeteer } = await import(pathToFileURL(path.join(mods, "puppeteer-core/lib/puppeteer/puppeteer-core.js")).href);
// axe-core, the accessibility engine, from the same node_modules.
const axeSource = await readFile(path.join(mods, "axe-core/axe.min.js"), "utf8");

const out = { steps: [], browser: "", ms: {}, axe: {} };
const T = 20000; // one wait's bound
class Check extends Error {}
const expect = (ok, what) => { if (!ok) throw new Check(what); };

let browser, page;
const problems = []; // script errors, console errors and CSP violations seen by the page

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
  } catch (e) {
    e.step = name;
    throw e;
  }
  out.steps.push(name);
  out.ms[name] = Date.now() - t0;
  expect(problems.length === 0, `after "${name}" the page reported: ${problems.join("; ")}`);
}

const visible = (sel) => page.waitForSelector(sel, { visible: true, timeout: T });
const text = (sel) => page.$eval(sel, (e) => e.textContent);
const shot = (name) => page.screenshot({ path: path.join(shots, name + ".png"), fullPage: true });
const active = () => page.evaluate(() => {
  const a = document.activeElement;
  return a ? { id: a.id, tag: a.tagName.toLowerCase(), text: a.textContent.trim(), cls: a.className } : {};
});
// focusRing: the focused element shows a visible ring (:focus-visible and a
// solid outline of 2px or more, or a box-shadow), as a keyboard user sees it.
const focusRing = () => page.evaluate(() => {
  const a = document.activeElement;
  if (!a || a === document.body) return "nothing is focused";
  const s = getComputedStyle(a);
  const r = a.getBoundingClientRect();
  if (!a.matches(":focus-visible")) return `${a.id || a.tagName} is focused but not :focus-visible`;
  if (r.width === 0 || r.height === 0 || r.right < 0 || r.bottom < 0 || r.left > innerWidth || r.top > innerHeight) return `${a.id || a.tagName} is focused off screen`;
  const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || (s.boxShadow && s.boxShadow !== "none");
  return ring ? "" : `${a.id || a.tagName} has no focus ring (outline ${s.outlineStyle} ${s.outlineWidth})`;
});
const expectFocus = async (want, what) => {
  const a = await active();
  expect(want(a), `${what}: focus is on ${JSON.stringify(a)}`);
  const ring = await focusRing();
  expect(ring === "", `${what}: ${ring}`);
};
// accessible: axe-core's WCAG 2.0 and 2.1 A and AA rules on the page as it
// is now; any violation throws, listing the rule, its impact, the elements
// (as selectors) and axe's help. axe's source is evaluated through WebDriver
// BiDi (script.evaluate), which is the driver's, not page script: the page's
// CSP (script-src 'self', no inline script) stays as served and still
// applies to the page's own scripts, as the CSP listener above checks.
const accessible = async (state) => {
  const t0 = Date.now();
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      resultTypes: ["violations"],
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ") + (n.failureSummary ? " (" + n.failureSummary.replace(/\s+/g, " ").trim() + ")" : "")) }));
  });
  out.axe[state] = found.map((v) => v.id + " " + v.nodes.length);
  out.ms["axe: " + state] = Date.now() - t0;
  expect(found.length === 0, `axe (WCAG 2.1 A, AA) on ${state}: ${found.length} rule(s) violated:\n` +
    found.map((v) => `  ${v.id} (${v.impact}): ${v.help}\n` + v.nodes.map((n) => "    " + n).join("\n")).join("\n"));
  const fields = await fieldContrast();
  expect(fields.length === 0, `on ${state}, the form fields' contrast (WCAG 1.4.3, 1.4.11):\n    ${fields.join("\n    ")}`);
};
// fieldContrast: what axe does not check on the page's text fields. A field
// is drawn as its border on the page (its inside has the page's colour), so
// WCAG 1.4.11 wants that border at 3:1 against the inside and the outside;
// and the placeholder is text (1.4.3, 4.5:1; browsers draw it faded by
// default). Firefox computes ::placeholder's style; the backgrounds here are
// opaque (the first coloured ancestor is the one seen).
const fieldContrast = () => page.evaluate(() => {
  const rgba = (c) => {
    let m = c.match(/^rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:,? \/? ?([\d.]+))?\)$/);
    if (m) return [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
    m = c.match(/^color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.]+))?\)$/);
    if (m) return [m[1] * 255, m[2] * 255, m[3] * 255, m[4] === undefined ? 1 : +m[4]];
    throw new Error("fieldContrast: a colour it cannot read: " + c);
  };
  const over = (f, b) => [0, 1, 2].map((i) => f[i] * f[3] + b[i] * (1 - f[3])).concat(1);
  const lum = (c) => { const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const behind = (e) => { for (let n = e; n; n = n.parentElement) { const c = rgba(getComputedStyle(n).backgroundColor); if (c[3] > 0) return c; } return [255, 255, 255, 1]; };
  const bad = [];
  for (const e of document.querySelectorAll("input:not([type=checkbox]):not([type=radio]), textarea, select")) {
    if (!e.offsetParent && getComputedStyle(e).position !== "fixed") continue; // not shown
    const s = getComputedStyle(e);
    const name = "#" + e.id;
    const inside = over(rgba(s.backgroundColor), behind(e.parentElement));
    const outside = behind(e.parentElement);
    const border = over(rgba(s.borderTopColor), outside);
    const rb = Math.min(ratio(border, inside), ratio(border, outside));
    if (rb < 3) bad.push(`${name}: border ${hex(border)} is ${rb.toFixed(2)}:1 against ${hex(inside)} / ${hex(outside)} (want 3:1)`);
    if (e.placeholder) {
      const ps = getComputedStyle(e, "::placeholder");
      const ph = over([...rgba(ps.color).slice(0, 3), rgba(ps.color)[3] * parseFloat(ps.opacity)], inside);
      const rp = ratio(ph, inside);
      if (rp < 4.5) bad.push(`${name}: placeholder ${hex(ph)} is ${rp.toFixed(2)}:1 against ${hex(inside)} (want 4.5:1)`);
    }
  }
  return bad;
});
const setValue = (sel, v) => page.$eval(sel, (e, v) => { e.value = v; }, v);

// launch starts Firefox (prefs: its settings, e.g. a dark colour scheme)
// with one page watched for script errors and CSP violations.
async function launch(prefs) {
  browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: process.env.FIREFOX_PATH,
    headless: true,
    defaultViewport: { width: 1200, height: 760 },
    extraPrefsFirefox: { "ui.prefersReducedMotion": 1, ...prefs },
  });
  page = await browser.newPage();
  page.on("pageerror", (e) => problems.push("script error: " + e.message));
  page.on("console", (m) => { if (m.type() === "error") problems.push("console error: " + m.text()); });
  // Preload scripts run outside the page's CSP: they record its violations.
  await page.evaluateOnNewDocument(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI));
  });
}

try {
  const t0 = Date.now();
  await launch({});
  out.browser = await browser.version();
  out.ms.launch = Date.now() - t0;
  let confirmed = "";
  page.on("dialog", async (d) => { confirmed = d.message(); await d.accept(); });

  await step("open the page", async () => {
    await page.goto(base + "/chat", { waitUntil: "load" });
    await visible("#login");
    expect(page.url() === base + "/chat/", `redirected to ${page.url()}`);
    // The skip link is the app's: it is not offered before sign-in.
    expect(await page.$eval(".skip", (e) => e.offsetParent === null), "the skip link to the message box shows on the sign-in page");
    await expectFocus((a) => a.id === "login", "the sign-in page opens with the login focused");
    await shot("1-signin");
    await accessible("the sign-in page");
  });

  // A wrong key is refused in words, not by the browser's own login prompt;
  // all by keyboard: type, Tab, type, Enter.
  await step("a wrong key, by keyboard", async () => {
    await page.keyboard.type(login);
    await page.keyboard.press("Tab");
    await expectFocus((a) => a.id === "apikey", "Tab from the login");
    await page.keyboard.type("wrong-key");
    await page.keyboard.press("Tab");
    await expectFocus((a) => a.tag === "button" && a.text === "Sign in", "Tab from the API key");
    await page.keyboard.down("Shift"); await page.keyboard.press("Tab"); await page.keyboard.up("Shift");
    await expectFocus((a) => a.id === "apikey", "Shift+Tab from Sign in");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.getElementById("signin-error").textContent.includes("refused"), { timeout: T });
    expect(await page.$eval("#app", (e) => e.hidden), "the app shows after a wrong key");
    await accessible("the sign-in page with its error");
  });

  await step("sign in", async () => {
    await setValue("#apikey", "");
    await page.focus("#apikey");
    await page.keyboard.type(key);
    await page.keyboard.press("Enter");
    await visible("#app");
    await visible("#new-form");
    await page.waitForSelector("#new-model option", { timeout: T });
    await page.waitForSelector("#new-tools input[value=odoo_record_retriever]", { timeout: T });
    const stored = await page.evaluate(() => [sessionStorage.getItem("key") || "", localStorage.getItem("key") || ""]);
    expect(stored[0] === key && stored[1] === "", `session storage ${JSON.stringify(stored[0])}, local storage ${JSON.stringify(stored[1])}: want the key in sessionStorage only`);
    expect((await text("#who")) === login, "the signed-in login is not shown");
    // No thread yet: focus goes to the new thread's name.
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === "new-id", { timeout: T });
  });

  await step("create a thread, by keyboard", async () => {
    await setValue("#new-id", "");
    await page.keyboard.type("browser-1");
    await page.keyboard.press("Enter");
    await visible('#threads button.open[aria-current="true"]');
    expect((await text("#thread-title")) === "browser-1", `thread title ${await text("#thread-title")}`);
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === "composer-input", { timeout: T });
  });

  await step("the composer by keyboard: Shift+Enter, Tab to Send", async () => {
    await expectFocus((a) => a.id === "composer-input", "the new thread's composer");
    await page.keyboard.type("line one");
    await page.keyboard.down("Shift"); await page.keyboard.press("Enter"); await page.keyboard.up("Shift");
    await page.keyboard.type("line two");
    const v = await page.$eval("#composer-input", (e) => e.value);
    expect(v === "line one\nline two", `Shift+Enter: the message box holds ${JSON.stringify(v)}`);
    expect((await page.$$("#log .msg")).length === 0, "Shift+Enter sent the message");
    await page.keyboard.press("Tab");
    await expectFocus((a) => a.id === "send", "Tab from the message box");
    await setValue("#composer-input", "");
    // The skip link: Shift+Tab from the first control of the header reaches
    // it, it shows, and Enter puts the focus in the message box.
    await page.focus("#signout");
    await page.keyboard.down("Shift"); await page.keyboard.press("Tab"); await page.keyboard.up("Shift");
    await expectFocus((a) => a.cls === "skip", "Shift+Tab from Sign out");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === "composer-input", { timeout: T });
  });

  await step("send a message that calls a tool", async () => {
    await page.keyboard.type('call odoo_record_retriever {"model":"res.partner","limit":2,"fields":["name"]}');
    await page.keyboard.press("Enter"); // Enter sends
    await visible(".msg.assistant .meta");
    // The turn over, the focus is back in the message box for the next one.
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === "composer-input" && !document.getElementById("send").disabled, { timeout: T });
    await expectFocus((a) => a.id === "composer-input", "after the answer");
    out.toolSummary = await text(".msg.assistant details.tool summary");
    await page.waitForFunction(() => /tokens in \d+ turns/.test(document.getElementById("thread-usage").textContent), { timeout: T });
    await accessible("a thread with a streamed tool call, folded");
    await page.click(".msg.assistant details.tool summary");
    await visible(".msg.assistant details.tool div:last-child pre");
    await accessible("a thread with a streamed tool call, unfolded");
    out.toolResult = await text(".msg.assistant details.tool div:last-child pre");
    out.answer = await text(".msg.assistant .text");
    expect(out.toolSummary.includes("odoo_record_retriever") && out.toolSummary.includes("done"), `tool call shown as ${JSON.stringify(out.toolSummary)}`);
    expect(out.toolResult.includes("Acme Corporation"), `tool result ${JSON.stringify(out.toolResult)}`);
    expect(out.answer.includes("odoo_record_retriever returned"), `answer ${JSON.stringify(out.answer)}`);
    expect((await text(".msg.user .text")).startsWith("call odoo_record_retriever"), "the user's message is not shown");
    await page.waitForFunction(() => /tokens in \d+ turns/.test(document.getElementById("thread-usage").textContent), { timeout: T });
    await shot("2-answer");
  });

  await step("edit memory", async () => {
    await page.click("#show-memory");
    await visible("#block-human");
    await page.waitForFunction(() => document.activeElement && document.activeElement.tagName === "TEXTAREA" && document.activeElement.id.startsWith("block-"), { timeout: T });
    await setValue("#block-human", "");
    await page.focus("#block-human");
    await page.keyboard.type("Mitchell runs sales; prefers short answers.");
    const count = await text("#block-human-count");
    expect(count.startsWith("43 / "), `the character count reads ${JSON.stringify(count)}`);
    await page.click("::-p-xpath(//button[normalize-space()='Save human'])");
    await visible("::-p-xpath(//span[@role='status'][contains(., 'Saved')])");
    await shot("3-memory");
    await accessible("the memory panel open");
  });

  // A write waits for the user: Approve (Enter on the focused button) runs
  // it and the turn goes on.
  await step("approve a write, by keyboard", async () => {
    await page.click("#new-thread summary");
    await visible("#new-form");
    await setValue("#new-id", "browser-2");
    await page.click("#new-tools input[value=odoo_record_creator]");
    await page.click("#new-form button[type=submit]");
    await visible("::-p-xpath(//h2[@id='thread-title'][.='browser-2'])");
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === "composer-input", { timeout: T });
    await page.keyboard.type('call odoo_record_creator {"model":"res.partner","fields":[{"field":"name","value":"Browser Test Ltd"}]}');
    await page.keyboard.press("Enter");
    await visible("::-p-xpath(//div[@class='approval']//button[.='Approve'])");
    await page.waitForFunction(() => document.activeElement && document.activeElement.textContent === "Approve", { timeout: T });
    await expectFocus((a) => a.text === "Approve", "the approval");
    await shot("4-approval");
    await accessible("the approval buttons shown");
    await page.keyboard.press("Enter");
    await visible("::-p-xpath(//details[@class='tool']//span[contains(., 'done')])");
    await page.waitForFunction(() => [...document.querySelectorAll(".msg.assistant")].pop().querySelector(".meta"), { timeout: T });
    out.created = await page.evaluate(() => [...document.querySelectorAll(".msg.assistant")].pop().querySelector(".text").textContent);
    expect(out.created.includes("odoo_record_creator returned") && out.created.includes("Browser Test Ltd"), `answer after approval ${JSON.stringify(out.created)}`);
  });

  // A reload reopens the thread that was open, with its history drawn as
  // it was live (the answered call folded, no approval buttons left).
  await step("reload", async () => {
    await page.reload({ waitUntil: "load" });
    await visible("#app");
    await visible("::-p-xpath(//h2[@id='thread-title'][.='browser-2'])");
    await visible("::-p-xpath(//li[contains(@class,'user')][contains(., 'call odoo_record_creator')])");
    await visible("::-p-xpath(//details[@class='tool']//span[contains(., 'done')])");
    expect((await page.$$(".approval")).length === 0, "an answered approval shows its buttons again after a reload");
    const again = await page.evaluate(() => [...document.querySelectorAll(".msg.assistant")].pop().querySelector(".text").textContent);
    expect(again === out.created, `the answer after a reload ${JSON.stringify(again)}, live ${JSON.stringify(out.created)}`);
    const off = await page.evaluate(() => ["composer-input", "send", "delete-thread", "show-memory"].filter((id) => document.getElementById(id).disabled));
    expect(off.length === 0, `disabled with the thread reopened: ${off.join(", ")}`);
  });

  // Firefox restores form controls' state on reload: a page that comes
  // back with no thread must not have a live composer.
  await step("reload with no thread to reopen", async () => {
    await page.evaluate(() => sessionStorage.removeItem("thread"));
    await page.reload({ waitUntil: "load" });
    await visible("#app");
    await page.waitForSelector("::-p-xpath(//ul[@id='threads']//button[.='browser-1'])", { timeout: T });
    expect((await text("#thread-title")) === "No thread selected", `thread title after reload ${await text("#thread-title")}`);
    const dis = await page.evaluate(() => ["composer-input", "send", "delete-thread", "show-memory"].filter((id) => !document.getElementById(id).disabled));
    expect(dis.length === 0, `enabled with no thread selected after a reload: ${dis.join(", ")}`);
    expect(await page.$eval("#memory", (e) => e.hidden), "the memory panel shows with no thread after a reload");
  });

  await step("back to the first thread", async () => {
    await page.click("::-p-xpath(//ul[@id='threads']//button[.='browser-1'])");
    await visible("::-p-xpath(//h2[@id='thread-title'][.='browser-1'])");
  });

  await step("delete the thread", async () => {
    await page.click("#delete-thread");
    await visible("::-p-xpath(//h2[@id='thread-title'][.='No thread selected'])");
    expect(confirmed.includes("Delete thread browser-1"), `the confirmation asked ${JSON.stringify(confirmed)}`);
    const left = await page.$$eval("#threads button.open", (bs) => bs.map((b) => b.textContent));
    expect(left.length === 1 && left[0] === "browser-2", `threads listed after the delete: ${left}`);
    await shot("5-deleted");
  });

  // A phone-sized window: one column, the composer shown, nothing wider
  // than the screen, the thread list behind its button.
  await step("phone", async () => {
    await page.setViewport({ width: 390, height: 844 });
    await visible("#composer");
    await visible("#toggle-side");
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(wide <= 390, `the page is ${wide}px wide on a 390px screen`);
    // The message box sits at the bottom of the page, not halfway down it.
    const gap = await page.$eval("#composer", (e) => document.documentElement.scrollHeight - (e.getBoundingClientRect().bottom + scrollY));
    expect(gap < 2, `${gap}px of empty page under the message box`);
    expect(await page.$eval("#side", (e) => getComputedStyle(e).display === "none"), "the thread list shows before its button is pressed");
    await page.focus("#toggle-side");
    await page.keyboard.press("Enter");
    await visible("#side");
    expect((await page.$eval("#toggle-side", (e) => e.getAttribute("aria-expanded"))) === "true", "aria-expanded stays false");
    await accessible("a phone, the thread list open");
    await page.click("::-p-xpath(//ul[@id='threads']//button[.='browser-2'])");
    await visible("::-p-xpath(//h2[@id='thread-title'][.='browser-2'])");
    expect(await page.$eval("#side", (e) => getComputedStyle(e).display === "none"), "the thread list stays open after choosing a thread");
    await shot("6-phone");
    await accessible("a phone, a thread open");
  });

  // The page's dark colours (prefers-color-scheme: dark) get the same
  // checks: Firefox takes the scheme as a setting at launch (BiDi has no
  // media emulation), so a second Firefox, signed in again.
  await step("dark colour scheme", async () => {
    await browser.close();
    await launch({ "layout.css.prefers-color-scheme.content-override": 0 });
    await page.goto(base + "/chat/", { waitUntil: "load" });
    await visible("#login");
    expect(await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches), "Firefox does not prefer the dark scheme");
    await accessible("the sign-in page, dark");
    await page.keyboard.type(login);
    await page.focus("#apikey");
    await page.keyboard.type(key);
    await page.keyboard.press("Enter");
    // The list is loaded after sign-in: wait for it before choosing.
    await visible("::-p-xpath(//ul[@id='threads']//button[.='browser-2'])");
    await page.click("::-p-xpath(//ul[@id='threads']//button[.='browser-2'])");
    await visible("::-p-xpath(//details[@class='tool']//span[contains(., 'done')])");
    await page.click(".msg.assistant details.tool summary");
    await page.click("#show-memory");
    await visible("#block-human");
    await page.focus("#composer-input");
    await page.keyboard.type('call odoo_record_creator {"model":"res.partner","fields":[{"field":"name","value":"Dark Ltd"}]}');
    await page.keyboard.press("Enter");
    await visible("::-p-xpath(//div[@class='approval']//button[.='Approve'])");
    await shot("7-dark");
    await accessible("a thread with a tool call unfolded, the memory panel and an approval, dark");
    await page.setViewport({ width: 390, height: 844 });
    await accessible("a phone, dark");
  });
} catch (e) {
  out.error = (e.step ? e.step + ": " : "") + (e instanceof Check ? e.message : String(e.stack || e));
  if (page) { try { await shot("failure"); } catch (_) { /* the browser is gone */ } }
} finally {
  if (browser) { try { await browser.close(); } catch (_) { /* already gone */ } }
}
console.log(JSON.stringify(out));
