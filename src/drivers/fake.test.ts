import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Lease } from "../api/schemas";
import { createFakeDriver, type FakePackage } from "./fake";

const lease: Lease = {
  lease_id: "L1",
  ttl_ms: 60_000,
  expires_at: "2030-01-01T00:00:00Z",
  build_id: 7,
  namespace: "zlib-1",
  iteration: 2,
  arch: "x86_64",
  pkgbase: "zlib",
  commit: "0".repeat(40),
  source_url: "file:///repos/zlib",
  version: { epoch: "1", pkgver: "1.3", pkgrel: "2" },
  bump: null,
  optional_files: [],
  packages: [
    {
      pkgname: "zlib",
      arch: "x86_64",
      file: "zlib-1:1.3-2-x86_64.pkg.tar.zst",
      depends: ["glibc"],
      optdepends: [],
      provides: ["libz.so=1-64"],
      conflicts: [],
      replaces: [],
    },
    {
      pkgname: "minizip",
      arch: "x86_64",
      file: "minizip-1:1.3-2-x86_64.pkg.tar.zst",
      depends: ["zlib"],
      optdepends: [],
      provides: [],
      conflicts: [],
      replaces: [],
    },
  ],
  expected_files: ["zlib-1:1.3-2-x86_64.pkg.tar.zst", "minizip-1:1.3-2-x86_64.pkg.tar.zst"],
  repository: { name: "buildbtw-zlib-1", url: "http://localhost:8080/repo/zlib-1/2/os/x86_64/" },
  attempt: 1,
};

let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), "fake-driver-"));
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

test("writes one package per lease package, built from the lease's metadata", async () => {
  const asked: FakePackage[] = [];
  const driver = createFakeDriver({
    buildPackage: (pkg) => {
      asked.push(pkg);
      return new TextEncoder().encode(`package ${pkg.pkgname}`);
    },
  });
  const log: string[] = [];
  const outcome = await driver.build(lease, { workDir, log: (c) => log.push(c), signal: new AbortController().signal });
  expect(outcome).toEqual({ status: "built", files: lease.expected_files.map((f) => join(workDir, f)) });
  expect(readFileSync(join(workDir, "minizip-1:1.3-2-x86_64.pkg.tar.zst"), "utf8")).toBe("package minizip");
  expect(asked[0]).toMatchObject({
    pkgname: "zlib",
    pkgbase: "zlib",
    version: "1:1.3-2",
    arch: "x86_64",
    provides: ["libz.so=1-64"],
  });
  expect(log.join("")).toContain("fake build of zlib 1:1.3-2 (x86_64)");
});

test("a file name that would leave the work directory fails the build", async () => {
  const driver = createFakeDriver({ buildPackage: () => new Uint8Array() });
  const evil = {
    ...lease,
    packages: [{ ...(lease.packages[0] as Lease["packages"][number]), file: "../escape.pkg.tar.zst" }],
  };
  const outcome = await driver.build(evil, { workDir, log: () => {}, signal: new AbortController().signal });
  expect(outcome).toEqual({ status: "failed", reason: 'refusing package file name "../escape.pkg.tar.zst"' });
});

test("the delay is abortable", async () => {
  const driver = createFakeDriver({ buildPackage: () => new Uint8Array(), delayMs: 60_000 });
  const controller = new AbortController();
  const started = performance.now();
  const building = driver.build(lease, { workDir, log: () => {}, signal: controller.signal });
  controller.abort(new Error("lease lost"));
  await expect(building).rejects.toThrow("lease lost");
  expect(performance.now() - started).toBeLessThan(1000);
});
