// `buildbtw srcinfo`, `buildbtw vercmp` and `buildbtw token create` as real processes, and the compiled single binary.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, runCliJson } from "./support/cli";
import { makeTempDir, removeDir } from "./support/git";

const conformance = join(import.meta.dir, "conformance", "srcinfo");
let tmp: string;

beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(() => removeDir(tmp));

const MULTI = `pkgbase = foo
\tpkgver = 1.2
\tpkgrel = 1
\tarch = x86_64
\tarch = aarch64
\tmakedepends = cmake
\tdepends = glibc
\tdepends_x86_64 = libbar.so=1-64

pkgname = foo
\toptdepends = python: bindings
\tprovides = libfoo.so=2-64

pkgname = foo-docs
\tarch = any
\tdepends =
`;

describe("buildbtw srcinfo", () => {
  test("prints the merged packages per architecture exactly as src/core/README.md, Reading .SRCINFO", async () => {
    const file = join(tmp, "multi.SRCINFO");
    writeFileSync(file, MULTI);
    const out = await runCliJson<Record<string, unknown>>(["srcinfo", file]);
    expect(out).toEqual({
      pkgbase: "foo",
      version: { epoch: null, pkgver: "1.2", pkgrel: "1" },
      architectures: {
        x86_64: [
          {
            pkgname: "foo",
            arch: ["x86_64", "aarch64"],
            depends: ["glibc", "libbar.so=1-64"],
            makedepends: ["cmake"],
            checkdepends: [],
            optdepends: ["python: bindings"],
            provides: ["libfoo.so=2-64"],
            conflicts: [],
            replaces: [],
          },
          // `depends =` clears only the plain key: the inherited depends_x86_64 still applies (src/core/README.md,
          // Reading .SRCINFO).
          {
            pkgname: "foo-docs",
            arch: ["any"],
            depends: ["libbar.so=1-64"],
            makedepends: ["cmake"],
            checkdepends: [],
            optdepends: [],
            provides: [],
            conflicts: [],
            replaces: [],
          },
        ],
        aarch64: [
          {
            pkgname: "foo",
            arch: ["x86_64", "aarch64"],
            depends: ["glibc"],
            makedepends: ["cmake"],
            checkdepends: [],
            optdepends: ["python: bindings"],
            provides: ["libfoo.so=2-64"],
            conflicts: [],
            replaces: [],
          },
          {
            pkgname: "foo-docs",
            arch: ["any"],
            depends: [],
            makedepends: ["cmake"],
            checkdepends: [],
            optdepends: [],
            provides: [],
            conflicts: [],
            replaces: [],
          },
        ],
      },
    });
    const only = await runCliJson<{ architectures: Record<string, unknown> }>(["srcinfo", file, "--arch", "aarch64"]);
    expect(Object.keys(only.architectures)).toEqual(["aarch64"]);
  });

  test("an any-only file is shown under x86_64", async () => {
    const out = await runCliJson<{ architectures: Record<string, unknown> }>([
      "srcinfo",
      join(conformance, "valid", "any_pkgbase.SRCINFO"),
    ]);
    expect(Object.keys(out.architectures)).toEqual(["x86_64"]);
  });

  test("invalid input: exit 1 and FILE:LINE: sentence", async () => {
    const file = join(tmp, "bad.SRCINFO");
    cpSync(join(conformance, "invalid", "property_without_spaces.SRCINFO"), file);
    const r = await runCli(["srcinfo", file, "--json"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3: .+`));
    const missing = await runCli(["srcinfo", join(tmp, "nope")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot read");
  });
});

describe("buildbtw vercmp", () => {
  test("prints -1, 0 or 1 like pacman", async () => {
    for (const [a, b, want] of [
      ["1.0", "1.1", "-1"],
      ["1:1.0", "2.0", "1"],
      ["1.0-1", "1.0", "0"],
      ["1.0a", "1.0", "-1"],
    ] as const) {
      const r = await runCli(["vercmp", a, b]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${want}\n`);
    }
  });
});

describe("buildbtw token create, list, revoke", () => {
  test("a worker token is a bot token with the worker scope; a second one needs --rotate, which revokes the first", async () => {
    const env = { DATA_DIR: join(tmp, "token-data") };
    const first = await runCliJson<{ worker: string; token: string; scopes: string[] }>(
      ["token", "create", "--worker", "w1"],
      { env },
    );
    expect(first.worker).toBe("w1");
    expect(first.scopes).toEqual(["worker"]);
    expect(first.token).toStartWith("bbw_b_");
    const again = await runCli(["token", "create", "--worker", "w1"], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      "buildbtw: a bot token named w1 already exists; revoke it first or pass --rotate to replace it\n",
    );
    const rotated = await runCliJson<{ token: string }>(["token", "create", "--worker", "w1", "--rotate"], { env });
    expect(rotated.token).not.toBe(first.token);
    const bad = await runCli(["token", "create", "--worker", "../w"], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("is not a valid token name");
    const listed = await runCliJson<{ tokens: { name: string; revoked_at: string | null; revoked_by: string }[] }>(
      ["token", "list"],
      { env },
    );
    expect(listed.tokens.map((t) => [t.name, t.revoked_at === null])).toEqual([
      ["w1", true],
      ["w1", false],
    ]);
    expect(listed.tokens[1]!.revoked_by).toEndWith("@host");
    // Neither the tokens nor their hashes are ever listed.
    const raw = (await runCli(["token", "list", "--json"], { env })).stdout;
    expect(raw).not.toContain(first.token);
    expect(raw).not.toContain("hash");
  });

  test("bot tokens: scopes, expiry, revocation by name or id; bad scopes and expiries are refused", async () => {
    const env = { DATA_DIR: join(tmp, "token-data-bots") };
    const ci = await runCliJson<{ id: number; scopes: string[]; expires_at: string }>(
      ["token", "create", "--bot", "ci", "--scope", "namespaces:write,metrics", "--expires", "30d"],
      { env },
    );
    expect(ci.scopes).toEqual(["namespaces:write", "metrics"]);
    const days = (Date.parse(ci.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    const badScope = await runCli(["token", "create", "--bot", "x", "--scope", "root"], { env });
    expect(badScope.stderr).toBe(
      'buildbtw: "root" is not a scope; scopes are namespaces:write, worker, executor, metrics, admin\n',
    );
    const noScope = await runCli(["token", "create", "--bot", "x"], { env });
    expect(noScope.stderr).toContain("at least one --scope");
    const badExpiry = await runCli(["token", "create", "--bot", "x", "--scope", "admin", "--expires", "soon"], { env });
    expect(badExpiry.stderr).toContain("expires must look like 30d");
    const revoked = await runCliJson<{ revoked_at: string }>(["token", "revoke", "ci"], { env });
    expect(revoked.revoked_at).not.toBeNull();
    const twice = await runCli(["token", "revoke", String(ci.id)], { env });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("is already revoked");
    expect((await runCli(["token", "revoke", "nobody"], { env })).stderr).toBe("buildbtw: no token nobody\n");
  });
});
