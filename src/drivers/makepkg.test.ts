import { expect, test } from "bun:test";
import { buildLayout, makepkgArguments, makepkgConf, makepkgEnvironment } from "./makepkg";

const layout = buildLayout("/work/build-7-ab");

test("our makepkg.conf sources the system's, then pins extension, destinations, architecture, devtools' strip and debug, no signing", () => {
  const conf = makepkgConf(layout, "x86_64_v3", "/etc/makepkg.conf");
  const lines = conf.split("\n");
  expect(lines[1]).toBe("if [[ -r '/etc/makepkg.conf' ]]; then source '/etc/makepkg.conf'; fi");
  expect(lines[2]).toContain("'/etc/makepkg.conf.d'/*.conf");
  expect(lines.slice(3)).toEqual([
    "CARCH='x86_64_v3'",
    "PKGEXT='.pkg.tar.zst'",
    "SRCEXT='.src.tar.gz'",
    "PKGDEST='/work/build-7-ab/pkgdest'",
    "SRCDEST='/work/build-7-ab/srcdest'",
    "SRCPKGDEST='/work/build-7-ab/srcdest'",
    "LOGDEST='/work/build-7-ab/logs'",
    "OPTIONS+=('strip' 'debug')",
    "BUILDENV+=('!sign' '!ccache' '!distcc')",
    "",
  ]);
});

test("--nodeps where pacman does not manage the host, --syncdeps --rmdeps where it does", () => {
  expect(makepkgArguments(layout, false)).toEqual([
    "makepkg",
    "--config",
    "/work/build-7-ab/makepkg.conf",
    "--nocolor",
    "--noconfirm",
    "--noprogressbar",
    "--cleanbuild",
    "--nodeps",
  ]);
  expect(makepkgArguments(layout, true).slice(-2)).toEqual(["--syncdeps", "--rmdeps"]);
});

test("the build's environment is its own: no worker token, a clean HOME, pacman with our config on Arch", () => {
  const previous = process.env.BUILDBTW_TOKEN;
  process.env.BUILDBTW_TOKEN = "secret-worker-token";
  try {
    const env = makepkgEnvironment(layout, { name: "buildbtw-build" }, true);
    expect(Object.values(env).join("\n")).not.toContain("secret-worker-token");
    expect(env).toMatchObject({
      HOME: "/work/build-7-ab/home",
      USER: "buildbtw-build",
      PKGDEST: "/work/build-7-ab/pkgdest",
      PKGEXT: ".pkg.tar.zst",
      PACMAN: "/work/build-7-ab/pacman-for-build",
    });
    expect(makepkgEnvironment(layout, { name: "u" }, false).PACMAN).toBeUndefined();
  } finally {
    if (previous === undefined) delete process.env.BUILDBTW_TOKEN;
    else process.env.BUILDBTW_TOKEN = previous;
  }
});
