// Keeps imports pointing inward (README.md, Architecture): core has no effects, adapters don't import each
// other, client code never opens the database, views only render, HTTP routes and loops reach the database only
// through use cases, the executor does not import the worker, only the transition table writes a build's
// status, and the database adapters and use cases read no clock of their own. Run by `just lint`; exits 1
// listing every violation.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const src = join(root, "src");
const views = join(root, "views");

const ADAPTERS = ["db", "sources", "gitlab", "pacman", "drivers"];
const CLIENT_COMMANDS = ["new", "list", "show", "cancel", "resume", "retry", "logs", "release-check", "download"];
/** What the client commands share: the connection, argument checks, output style and renderers. */
const CLIENT_HELPERS = /^commands\/(client|render)-[a-z-]+\.ts$/;
const EFFECTFUL_PACKAGES = /^(bun:|node:|bun$|hono|drizzle-orm|ofetch|consola|@gitbeaker|citty)/;

interface Rule {
  applies: (file: string) => boolean;
  /** `statement` is the whole import or export statement (to tell `import type` from a value import). */
  forbids: (target: string, spec: string, statement: string) => string | null;
}

const isTypeOnly = (statement: string) => /^\s*(import|export)\s+type\s/.test(statement);

const area = (path: string) => relative(src, path).split("/")[0] ?? "";
/** `server/http`, `server/loops`, … for files under src/server. */
const serverPart = (path: string) =>
  area(path) === "server" ? relative(join(src, "server"), path).split("/")[0] : null;

const rules: Rule[] = [
  {
    applies: (f) => area(f) === "core",
    forbids: (target, spec) =>
      EFFECTFUL_PACKAGES.test(spec)
        ? `core imports effectful package ${spec}`
        : target.startsWith(src) && area(target) !== "core"
          ? `core imports ${relative(root, target)}`
          : null,
  },
  {
    applies: (f) => ADAPTERS.includes(area(f)),
    forbids: (target) =>
      target.startsWith(src) && ["server", "worker", "executor", "commands", "client"].includes(area(target))
        ? `adapter imports composition code ${relative(root, target)}`
        : null,
  },
  {
    applies: (f) =>
      area(f) === "client" ||
      CLIENT_COMMANDS.some((c) => f === join(src, "commands", `${c}.ts`)) ||
      CLIENT_HELPERS.test(relative(src, f)),
    forbids: (target) =>
      target.startsWith(src) && ["db", "server"].includes(area(target))
        ? `client code imports ${relative(root, target)} (client commands never open the database)`
        : null,
  },
  {
    // Views are props in, HTML out: no database, no server, no adapters.
    applies: (f) => f.startsWith(views),
    forbids: (target, _spec, statement) =>
      target.startsWith(src) && !["core", "api", "lib"].includes(area(target)) && !isTypeOnly(statement)
        ? `a view imports ${relative(root, target)} (views get their data as props)`
        : null,
  },
  {
    // Routes and loops call use cases, never SQL.
    applies: (f) => serverPart(f) === "http" || serverPart(f) === "loops",
    forbids: (target) =>
      target.startsWith(src) && area(target) === "db"
        ? `reaches the database (${relative(root, target)}) instead of through a use case`
        : null,
  },
  {
    applies: (f) => area(f) === "executor",
    forbids: (target) =>
      target.startsWith(src) && area(target) === "worker"
        ? `the executor imports the worker (${relative(root, target)}); shared code belongs where both can import it`
        : null,
  },
];

/** Only the transition table's moveBuild writes a build's status. */
const STATUS_WRITER = join(src, "server", "usecases", "build-lifecycle.ts");
function statusWrite(file: string, target: string, statement: string): string | null {
  return target === join(src, "db", "builds") && /\bsetStatus\b/.test(statement) && file !== STATUS_WRITER
    ? "imports db/builds' setStatus: change a build's status with moveBuild (server/usecases/build-lifecycle.ts)"
    : null;
}

// Adapters never import each other.
function adapterCrossing(file: string, target: string): string | null {
  const from = area(file);
  const to = area(target);
  return ADAPTERS.includes(from) && ADAPTERS.includes(to) && from !== to
    ? `adapter ${from} imports adapter ${to}`
    : null;
}

function* walk(dir: string): Generator<string> {
  if (!statSync(dir, { throwIfNoEntry: false })) return;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) yield full;
  }
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const violations: string[] = [];
for (const file of [...walk(src), ...walk(views)]) {
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? "";
    const target = spec.startsWith(".") ? resolve(dirname(file), spec) : spec;
    const found = [
      adapterCrossing(file, target),
      statusWrite(file, target, m[0]),
      ...rules.filter((r) => r.applies(file)).map((r) => r.forbids(target, spec, m[0])),
    ];
    for (const v of found) if (v) violations.push(`${relative(root, file)}: ${v}`);
  }
}

/**
 * One clock: the database adapters and the use cases take the time from the server's deps (`deps.now`, or an
 * ISO time passed in by the use case), so an injected clock governs every timestamp. Files that compare with
 * times the OS stamped (file mtimes) need the real clock and are listed with why.
 */
const CLOCK_AREAS = [join(src, "db"), join(src, "server", "usecases")];
const REAL_CLOCK: Record<string, string> = {
  "src/server/usecases/check-storage.ts": "compares file mtimes, which the OS stamps with the real clock",
};
const OWN_CLOCK = /\bDate\.now\(\)|\bnew Date\(\s*\)/;
for (const file of CLOCK_AREAS.flatMap((dir) => [...walk(dir)])) {
  if (REAL_CLOCK[relative(root, file)]) continue;
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (OWN_CLOCK.test(line) && !/^\s*(\/\/|\*)/.test(line))
        violations.push(
          `${relative(root, file)}:${i + 1}: reads its own clock; take the time from the caller (deps.now / isoNow(deps))`,
        );
    });
}

if (violations.length > 0) {
  console.error(`${violations.length} boundary violation(s):\n${violations.join("\n")}`);
  process.exit(1);
}
console.error("import boundaries: ok");
