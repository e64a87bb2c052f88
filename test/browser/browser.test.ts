import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { launchBrowser } from "./index";

test("headless Chromium renders a loopback page and runs its script", async () => {
  const server = http.createServer((_req, res) => {
    res.setHeader("content-type", "text/html");
    res.end("<!doctype html><title>t</title><p id=p>static</p><script>document.getElementById('p').textContent='scripted'</script>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(await page.textContent("#p")).toBe("scripted");
  } finally {
    await browser.close();
    server.close();
  }
}, 60_000);
