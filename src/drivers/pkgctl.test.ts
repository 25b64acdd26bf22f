import { expect, test } from "bun:test";
import { pkgctlCommand } from "./pkgctl";

const invocation = {
  source: "/w/build-1-aa/source",
  pacmanConfDir: "/w/build-1-aa/pacman.conf.d",
  chrootDir: "/w/chroots/zlib-1",
  pkgdest: "/w/build-1-aa/pkgdest",
  arch: "x86_64",
  slot: 2,
  user: { name: "buildbtw-build", uid: 999, gid: 995, home: "/var/lib/buildbtw-build", switches: true },
  home: "/var/lib/buildbtw-build",
  pkgctl: "/usr/bin/pkgctl",
  devtoolsDir: "/usr/share/devtools",
  archbuildDir: "/var/lib/archbuild",
};

test("pkgctl build runs as the build user in a private mount namespace with our configuration and chroots", () => {
  const { argv, env } = pkgctlCommand(invocation);
  expect(argv.slice(0, 8)).toEqual([
    "unshare",
    "--mount",
    "--propagation",
    "private",
    "--",
    "/bin/sh",
    "-c",
    argv[7] as string,
  ]);
  // The mount script's positional parameters: what goes where.
  expect(argv.slice(8, 13)).toEqual([
    "sh",
    "/w/build-1-aa/pacman.conf.d",
    "/usr/share/devtools/pacman.conf.d",
    "/w/chroots/zlib-1",
    "/var/lib/archbuild",
  ]);
  expect(argv.slice(13)).toEqual([
    "setpriv",
    "--reuid=999",
    "--regid=995",
    "--init-groups",
    "--",
    "/usr/bin/pkgctl",
    "build",
    "--arch",
    "x86_64",
    "--worker",
    "2",
  ]);
  expect(env).toMatchObject({
    HOME: "/var/lib/buildbtw-build",
    USER: "buildbtw-build",
    PKGDEST: "/w/build-1-aa/pkgdest",
  });
});

test("a worker that is already the build user does not switch", () => {
  const { argv } = pkgctlCommand({ ...invocation, user: { ...invocation.user, switches: false } });
  expect(argv).not.toContain("setpriv");
  expect(argv.slice(13, 15)).toEqual(["/usr/bin/pkgctl", "build"]);
});
