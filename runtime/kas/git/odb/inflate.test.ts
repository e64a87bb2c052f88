import { deflateSync } from "node:zlib";
import { inflateCapped } from "./inflate";

describe("inflateCapped", () => {
  test("a small object does not hold a whole output chunk (the object cache counts only its bytes)", async () => {
    const data = Buffer.from("gitops:\n  manifest_projects:\n  - id: group/project\n    default_namespace: fleet-1\n");
    const out = await inflateCapped(deflateSync(data), data.length);
    expect(out).toEqual(data);
    // A 16 KiB chunk per read was 10,000 x 16 KiB for a commit changing 5000 agents' configs, kept by the cache as ~200 bytes each.
    expect(out?.buffer.byteLength).toBeLessThanOrEqual(Buffer.poolSize);
  });

  test("stops at the cap, whatever the chunk", async () => {
    expect(await inflateCapped(deflateSync(Buffer.alloc(1000)), 999)).toBeUndefined();
    expect(await inflateCapped(deflateSync(Buffer.alloc(100_000)), 99_999)).toBeUndefined();
    expect((await inflateCapped(deflateSync(Buffer.alloc(0)), 0))?.length).toBe(0);
    expect((await inflateCapped(deflateSync(Buffer.alloc(1000, 7)), 1000))?.equals(Buffer.alloc(1000, 7))).toBe(true);
  });
});
