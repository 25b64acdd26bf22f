import { expect, test } from "bun:test";
import { repositorySection, withRepository } from "./pacman-conf";

const repo = { name: "buildbtw-zlib-1", url: "http://server:8080/repo/zlib-1/3/os/x86_64/" };

const arch = `#
# /etc/pacman.conf
#
[options]
HoldPkg     = pacman glibc
Architecture = auto
SigLevel    = Required DatabaseOptional

#[core-testing]
#Include = /etc/pacman.d/mirrorlist

[core]
Include = /etc/pacman.d/mirrorlist

[extra]
Include = /etc/pacman.d/mirrorlist
`;

test("the namespace repository comes before the first repository, so its builds win", () => {
  const out = withRepository(arch, repo);
  const sections = [...out.matchAll(/^\[([^\]]+)\]$/gm)].map((m) => m[1]);
  expect(sections).toEqual(["options", "buildbtw-zlib-1", "core", "extra"]);
  expect(out).toContain(
    "[buildbtw-zlib-1]\nSigLevel = Optional TrustAll\nServer = http://server:8080/repo/zlib-1/3/os/x86_64\n\n[core]",
  );
  // Everything of the original is still there, in order.
  expect(out.replace(`${repositorySection(repo)}\n`, "")).toBe(arch);
});

test("a configuration with only [options] gets the section at its end", () => {
  const out = withRepository("[options]\nArchitecture = x86_64\n", repo);
  expect(out).toBe(`[options]\nArchitecture = x86_64\n\n${repositorySection(repo)}`);
});

test("names or URLs that could add lines to the configuration are refused", () => {
  expect(() => withRepository(arch, { ...repo, name: "x]\nInclude = /etc/shadow\n[y" })).toThrow(
    "refusing repository name",
  );
  expect(() => withRepository(arch, { ...repo, url: "http://a/\nServer = http://evil" })).toThrow(
    "refusing repository URL",
  );
  expect(() => withRepository(arch, { ...repo, url: "file:///etc" })).toThrow("refusing repository URL");
});
