/** The started sign-in in its cookie: signed with the client secret, checked whole, expiring. */
import { newPendingSignIn, openPendingSignIn, sealPendingSignIn } from "./oauth-state";

test("GIVEN a sealed sign-in THEN it opens with the secret before it expires, and not after, nor with another secret, nor altered", () => {
  const p = newPendingSignIn("/agents/1?q=a", 1_000);
  const sealed = sealPendingSignIn("secret", p);
  expect(sealed).toMatch(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){4}$/);
  expect(openPendingSignIn("secret", sealed, 999)).toEqual(p);
  expect(openPendingSignIn("secret", sealed, 1_000)).toBeUndefined();
  expect(openPendingSignIn("other", sealed, 0)).toBeUndefined();
  const parts = sealed.split(".");
  parts[2] = Buffer.from("/elsewhere").toString("base64url");
  expect(openPendingSignIn("secret", parts.join("."), 0)).toBeUndefined();
  expect(openPendingSignIn("secret", "", 0)).toBeUndefined();
  expect(newPendingSignIn("//evil.example", 1).next).toBe("/");
});
