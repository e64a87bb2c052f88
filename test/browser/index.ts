/** Headless Chromium for page tests. */
export { chromiumBinary, launchBrowser, screenshotPath } from "./browser";
