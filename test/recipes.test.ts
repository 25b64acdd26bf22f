// The one package-fixture writer (support/recipes.ts) against the real makepkg: for the demo package set and for
// recipes using every field the tests use, `makepkg --printsrcinfo` on pkgbuild(r) prints exactly srcinfo(r).
// Tests that build packages can then rely on the written .SRCINFO instead of running makepkg for it.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_PACKAGES, recipeOf } from "../scripts/demo-packages";
import { makeTempDir, removeDir } from "./support/git";
import { pkgbuild, type Recipe, srcinfo } from "./support/recipes";

const BUILD_USER = process.env.BUILDBTW_BUILD_USER ?? "buildbtw-build";
const tmp = makeTempDir("buildbtw-recipes-");
chmodSync(tmp, 0o755);
afterAll(() => removeDir(tmp));

/** What makepkg --printsrcinfo prints for `r`'s PKGBUILD, run as the build user (makepkg refuses root). */
async function printSrcinfo(r: Recipe): Promise<{ stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmp, `${r.pkgbase}-`));
  // makepkg writes next to the PKGBUILD even for --printsrcinfo: the build user needs the directory.
  chmodSync(dir, 0o777);
  writeFileSync(join(dir, "PKGBUILD"), pkgbuild(r));
  const proc = Bun.spawn(["runuser", "-u", BUILD_USER, "--", "makepkg", "--printsrcinfo"], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  return { stdout, stderr };
}

const RECIPES: Recipe[] = [
  {
    pkgbase: "everything",
    pkgver: "2.1.r3.gabc",
    pkgrel: "4",
    epoch: "2",
    pkgdesc: "a package with every field",
    url: "https://example.org/everything",
    arch: ["x86_64", "aarch64"],
    depends: ["glibc", "zlib>=1.3"],
    makedepends: ["cmake"],
    checkdepends: ["python-pytest"],
    optdepends: ["bash: for the scripts"],
    provides: ["libeverything.so=2-64"],
  },
  {
    pkgbase: "split-base",
    depends: ["glibc"],
    packages: [
      { pkgname: "split-lib", provides: ["libsplit.so=1-64"] },
      { pkgname: "split-docs", arch: ["any"], depends: [] },
      { pkgname: "split-tools", depends: ["split-lib"], conflicts: ["old-tools"], replaces: ["old-tools"] },
    ],
  },
  { pkgbase: "fonts", arch: ["any"], build: ["true"], packageExtra: ['install -d "$pkgdir/usr/share/fonts"'] },
];

describe("the package-fixture writer", () => {
  for (const [name, recipes] of [
    ["the demo package set", DEMO_PACKAGES.map(recipeOf)],
    ["recipes with every field the tests use", RECIPES],
  ] as const) {
    test(`${name}: makepkg --printsrcinfo of the PKGBUILD is the written .SRCINFO`, async () => {
      const printed = await Promise.all(recipes.map(printSrcinfo));
      printed.forEach((out, i) => {
        expect(out.stderr).toBe("");
        expect(out.stdout).toBe(srcinfo(recipes[i]!));
      });
    });
  }
});
