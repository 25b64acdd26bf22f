import { expect, test } from "bun:test";
import { type MainPkgbase, type ReleaseNode, unmetDependencies, unmetSentence } from "./release";

const pkg = (pkgname: string, version: string, depends: string[] = [], provides: string[] = []) => ({
  pkgname,
  version,
  depends,
  provides,
});
const main: MainPkgbase[] = [
  { pkgbase: "libcore", version: "1.0-1", packages: [pkg("libcore", "1.0-1", [], ["libcore.so=1-64"])] },
  { pkgbase: "tool-a", version: "1.0-1", packages: [pkg("tool-a", "1.0-1", ["libcore", "libcore.so"])] },
  { pkgbase: "tool-b", version: "1.0-1", packages: [pkg("tool-b", "1.0-1", ["libcore.so"])] },
  { pkgbase: "pinned", version: "1.0-1", packages: [pkg("pinned", "1.0-1", ["libcore<2"])] },
  { pkgbase: "other", version: "3-1", packages: [pkg("other", "3-1", ["glibc"])] },
];
const built = (
  pkgbase: string,
  pkgs: ReturnType<typeof pkg>[],
  kind: "origin" | "rebuild" = "rebuild",
): ReleaseNode => ({
  pkgbase,
  kind,
  notBuilt: null,
  built: pkgs,
});

test("a dependent not rebuilt still needs the origin's old soname; a version constraint the new version breaks is named", () => {
  const nodes: ReleaseNode[] = [
    built("libcore", [pkg("libcore", "2.0-1", [], ["libcore.so=2-64"])], "origin"),
    built("tool-a", [pkg("tool-a", "1.0-2", ["libcore", "libcore.so=2-64"])]),
    { pkgbase: "tool-b", kind: "rebuild", notBuilt: "build failed", built: [] },
  ];
  const unmet = unmetDependencies(main, nodes);
  expect(unmet.map(unmetSentence)).toEqual([
    "pinned 1.0-1 (main) needs libcore<2; after release only libcore=2.0-1 is provided",
    "tool-b 1.0-1 (main, not rebuilt: build failed) needs libcore.so=1-64; after release only libcore.so=2-64 is provided",
  ]);
});

test("everything rebuilt against the new soname is clean; a dropped provision is 'nothing provides'", () => {
  const clean = unmetDependencies(
    main.filter((m) => m.pkgbase !== "pinned"),
    [
      built("libcore", [pkg("libcore", "2.0-1", [], ["libcore.so=2-64"])], "origin"),
      built("tool-a", [pkg("tool-a", "1.0-2", ["libcore", "libcore.so=2-64"])]),
      built("tool-b", [pkg("tool-b", "1.0-2", ["libcore.so=2-64"])]),
    ],
  );
  expect(clean).toEqual([]);
  const dropped = unmetDependencies(
    main.filter((m) => m.pkgbase !== "pinned"),
    [
      built("libcore", [pkg("libcore", "2.0-1")], "origin"),
      built("tool-a", [pkg("tool-a", "1.0-2", ["libcore"])]),
      built("tool-b", [pkg("tool-b", "1.0-2", ["libcore.so"])]),
    ],
  );
  expect(dropped.map(unmetSentence)).toEqual([
    "tool-b 1.0-2 (built) needs libcore.so; after release nothing provides libcore.so",
  ]);
});
