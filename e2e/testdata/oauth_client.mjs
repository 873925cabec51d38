// A real MCP client's OAuth: the MCP TypeScript SDK's client with an
// OAuthClientProvider, and headless Chromium (playwright-core, Debian's
// chromium) filling in odoo-mcp's sign-in and consent pages. Run by
// e2e/oauth_sdk_test.go:
//   node oauth_client.mjs <mcp url> <login> <key> <write|read>
// with OAUTH_CLIENT_MODULES (a node_modules holding @modelcontextprotocol/sdk
// and playwright-core) and CHROMIUM_PATH. Prints one JSON object.
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [mcpURL, login, key, mode] = process.argv.slice(2);
const mods = process.env.OAUTH_CLIENT_MODULES;
const load = (p) => import(pathToFileURL(path.join(mods, p)).href);
const { Client } = await load("@modelcontextprotocol/sdk/dist/esm/client/index.js");
const { StreamableHTTPClientTransport } = await load("@modelcontextprotocol/sdk/dist/esm/client/streamableHttp.js");
const { UnauthorizedError } = await load("@modelcontextprotocol/sdk/dist/esm/client/auth.js");
const { chromium } = await load("playwright-core/index.mjs");

// The client's loopback callback.
let gotCode;
const codeP = new Promise((resolve) => (gotCode = resolve));
const cb = http.createServer((req, res) => {
  const u = new URL(req.url, "http://127.0.0.1");
  res.setHeader("Content-Type", "text/html");
  res.end('<!doctype html><title>done</title><p id="done">done</p>');
  if (u.pathname === "/callback") gotCode(u.searchParams);
});
await new Promise((r) => cb.listen(0, "127.0.0.1", r));
const redirect = `http://127.0.0.1:${cb.address().port}/callback`;

let authURL;
const store = {};
const provider = {
  get redirectUrl() { return redirect; },
  get clientMetadata() {
    return { client_name: "odoo-mcp e2e (TypeScript SDK)", redirect_uris: [redirect],
      grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" };
  },
  clientInformation: () => store.client,
  saveClientInformation: (c) => { store.client = c; },
  tokens: () => store.tokens,
  saveTokens: (t) => { store.tokens = t; },
  redirectToAuthorization: (u) => { authURL = u; },
  saveCodeVerifier: (v) => { store.verifier = v; },
  codeVerifier: () => store.verifier,
};

const out = { steps: [] };
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
try {
  const first = new StreamableHTTPClientTransport(new URL(mcpURL), { authProvider: provider });
  const client = new Client({ name: "odoo-mcp-e2e", version: "1.0.0" });
  try {
    await client.connect(first);
    throw new Error("connected without signing in");
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
  }
  out.steps.push("401, discovery, registration");
  out.authorization_url = authURL.toString();

  const page = await browser.newPage();
  await page.goto(authURL.toString());
  await page.fill("#login", login);
  await page.fill("#key", key);
  await page.click("#signin");
  await page.waitForSelector("#allow");
  out.consent_text = await page.textContent("main");
  if (mode === "read") await page.uncheck("#write");
  await page.click("#allow");
  const params = await codeP;
  out.callback = { state: params.has("state"), iss: params.get("iss") };
  out.steps.push("signed in and consented in Chromium");
  await first.finishAuth(params.get("code"));
  out.scope = store.tokens.scope;
  out.steps.push("code exchanged");

  const client2 = new Client({ name: "odoo-mcp-e2e", version: "1.0.0" });
  await client2.connect(new StreamableHTTPClientTransport(new URL(mcpURL), { authProvider: provider }));
  out.tools = (await client2.listTools()).tools.map((t) => t.name).sort();
  const read = await client2.callTool({ name: "odoo_record_retriever", arguments: { model: "res.partner", fields: ["name"], limit: 2 } });
  out.read = { isError: !!read.isError, text: read.content?.[0]?.text?.slice(0, 300) };
  try {
    const created = await client2.callTool({ name: "odoo_record_creator", arguments: { model: "res.partner", fields: [{ field: "name", value: "Made by the TypeScript SDK" }] } });
    out.create = { isError: !!created.isError, text: created.content?.[0]?.text?.slice(0, 300) };
  } catch (e) {
    out.create = { thrown: String(e?.message ?? e).slice(0, 300) };
  }
  await client2.close();
} catch (e) {
  out.error = String(e?.stack ?? e);
} finally {
  await browser.close();
  cb.close();
}
console.log(JSON.stringify(out));
