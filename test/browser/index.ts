/** Headless Chromium for page tests. */
export { chromiumBinary, collectPageErrors, launchBrowser, screenshotPath } from "./browser";
