// A real-size package: makepkg builds 200 MiB of incompressible data, the worker uploads it (streamed to
// disk on the server, never held in its memory), it is listed, and pacman installs it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { peakRss } from "./support/bombs";
import { git, makeTempDir, removeDir } from "./support/git";
import { createPacmanRoot, type PacmanRoot } from "./support/pacman";
import { type ServerProcess, startServer, startWorker, waitFor } from "./support/processes";
import { INSTALLED_DIR, type Recipe, recipeFiles } from "./support/recipes";

const MiB = 1024 ** 2;
const SIZE = 200 * MiB;
const big: Recipe = { pkgbase: "bigdata", pkgver: "1.0" };

let tmp: string;
let server: ServerProcess;
let worker: Subprocess;
let pacman: PacmanRoot | undefined;

beforeAll(async () => {
  tmp = makeTempDir("buildbtw-big-");
  chmodSync(tmp, 0o755);
  const repo = join(tmp, "repos", big.pkgbase);
  mkdirSync(repo, { recursive: true });
  // A package with a payload of random bytes: zstd cannot shrink it.
  const files = recipeFiles({
    ...big,
    packageExtra: [`head -c ${SIZE} /dev/urandom > "$pkgdir/${INSTALLED_DIR}/payload"`],
  });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(repo, name), text);
  git(repo, "init", "--quiet", "--initial-branch=main");
  git(repo, "add", "PKGBUILD", ".SRCINFO");
  git(repo, "commit", "--quiet", "-m", "a big package");
  server = await startServer({
    dataDir: join(tmp, "data"),
    reposDir: join(tmp, "repos"),
    env: { BUILDBTW_REF_CHECK_INTERVAL_MS: "600000" },
  });
  const token = await server.workerToken("big-worker");
  worker = startWorker({ server: server.url, token, workDir: join(tmp, "work"), args: ["--driver", "makepkg"] });
});

afterAll(async () => {
  worker?.kill("SIGKILL");
  await server?.stop();
  pacman?.remove();
  removeDir(tmp);
});

test("a 200 MiB package built by makepkg is uploaded, listed and installed by pacman, without the server holding it", async () => {
  const before = await peakRss(server.proc.pid);
  const created = await server.api("/api/v1/namespaces", {
    method: "POST",
    body: JSON.stringify({ origin_changesets: ["bigdata/main"] }),
  });
  expect(created.status).toBe(201);
  const build = await waitFor(
    "the build to finish",
    async () => {
      const r = await server.api<{ builds: { id: number; status: string; failure_reason: string | null }[] }>(
        "/api/v1/namespaces/bigdata/builds",
      );
      const b = r.body.builds[0];
      return b && (b.status === "built" || b.status === "failed") ? b : undefined;
    },
    600_000,
    500,
  );
  expect(build).toMatchObject({ status: "built" });
  const file = "bigdata-1.0-1-x86_64.pkg.tar.zst";
  const stored = join(server.dataDir, "repos", "bigdata", "1", "x86_64", file);
  expect(statSync(stored).size).toBeGreaterThan(SIZE);
  // Streamed to disk: the server's peak memory grew by far less than the package.
  expect((await peakRss(server.proc.pid)) - before).toBeLessThan(100 * MiB);

  const listing = await (await fetch(`${server.url}/repo/bigdata/latest/os/x86_64/`)).text();
  expect(listing.split("\n")).toContain(file);
  const p = createPacmanRoot({
    repos: [{ name: "buildbtw-bigdata", server: `${server.url}/repo/bigdata/latest/os/x86_64` }],
  });
  pacman = p;
  await p.ok("-Sy");
  await p.ok("-S", "bigdata");
  expect((await p.installed()).bigdata).toBe("1.0-1");
  expect(statSync(p.path("usr/share/buildbtw-demo/payload")).size).toBe(SIZE);
}, 900_000);
