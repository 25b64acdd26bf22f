// `bun build --compile` makes one self-contained executable: it must work from a directory with no
// node_modules and no source beside it, including `serve` with its embedded migrations.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeRepo, makeTempDir, removeDir } from "./support/git";
import { freePort, waitFor } from "./support/processes";
import { srcinfo } from "./support/recipes";

const root = join(import.meta.dir, "..");
let tmp: string;
let bin: string;

beforeAll(() => {
  tmp = makeTempDir("buildbtw-binary-");
  const built = join(tmp, "build", "buildbtw");
  const r = Bun.spawnSync(
    ["bun", "build", "--compile", "--minify", "src/main.ts", "src/server/plan-thread-worker.ts", "--outfile", built],
    {
      cwd: root,
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  if (r.exitCode !== 0) throw new Error(`bun build --compile failed: ${r.stderr}`);
  // Alone in an empty directory: nothing to resolve modules, SQL or assets from.
  bin = join(tmp, "alone", "buildbtw");
  Bun.spawnSync(["mkdir", "-p", join(tmp, "alone")]);
  copyFileSync(built, bin);
  Bun.spawnSync(["chmod", "+x", bin]);
});
afterAll(() => removeDir(tmp));

const run = (args: string[], env: Record<string, string> = {}) => {
  const r = Bun.spawnSync([bin, ...args], {
    cwd: join(tmp, "alone"),
    env: { PATH: process.env.PATH ?? "", HOME: tmp, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
};

describe("the compiled binary", () => {
  test("--help lists the modes and vercmp works", () => {
    const help = run(["--help"]);
    expect(help.code).toBe(0);
    for (const cmd of ["serve", "worker", "plan", "srcinfo", "vercmp", "token"]) expect(help.stdout).toContain(cmd);
    expect(run(["vercmp", "1.0-1", "1.0-2"]).stdout).toBe("-1\n");
  });

  test("srcinfo and plan work without node_modules", () => {
    const file = join(tmp, "alone", "x.SRCINFO");
    writeFileSync(file, srcinfo({ pkgbase: "zlib" }));
    expect(JSON.parse(run(["srcinfo", file, "--json"]).stdout).pkgbase).toBe("zlib");
    const repos = join(tmp, "repos");
    makeRepo(repos, "zlib", srcinfo({ pkgbase: "zlib" }));
    makeRepo(repos, "libpng", srcinfo({ pkgbase: "libpng", depends: ["zlib"] }));
    const plan = run(["plan", "zlib/main", "--repos", repos, "--data-dir", join(tmp, "data"), "--json"]);
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout).architectures.x86_64.order).toEqual(["zlib", "libpng"]);
  });

  test("serve applies its embedded migrations and answers", async () => {
    const port = await freePort();
    const data = join(tmp, "serve-data");
    const proc = Bun.spawn(
      [
        bin,
        "serve",
        "--port",
        String(port),
        "--interface",
        "127.0.0.1",
        "--data-dir",
        data,
        "--repos",
        join(tmp, "repos"),
      ],
      {
        cwd: join(tmp, "alone"),
        env: { PATH: process.env.PATH ?? "", BUILDBTW_LOG_FORMAT: "json" },
        stdout: "ignore",
        stderr: "pipe",
      },
    );
    try {
      await waitFor("the binary's server", async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 30_000);
      const list = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces`);
      expect(await list.json()).toEqual({ namespaces: [] });
      const token = Bun.file(join(data, "admin-token"));
      expect((await token.text()).trim()).toMatch(/^bbw_a_/);
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  });
});
