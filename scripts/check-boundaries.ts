// Keeps imports pointing inward (STYLE.md): core has no effects, adapters don't import each other,
// client code never opens the database. Run by `just lint`; exits 1 listing every violation.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const src = join(root, "src");

const ADAPTERS = ["db", "sources", "gitlab", "pacman", "drivers"];
const CLIENT_COMMANDS = ["new", "list", "show", "cancel", "resume", "retry", "logs", "release-check", "download"];
const EFFECTFUL_PACKAGES = /^(bun:|node:|bun$|hono|drizzle-orm|ofetch|consola|@gitbeaker|citty)/;

interface Rule {
  applies: (file: string) => boolean;
  forbids: (target: string, spec: string) => string | null;
}

const area = (path: string) => relative(src, path).split("/")[0] ?? "";

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
    applies: (f) => area(f) === "client" || CLIENT_COMMANDS.some((c) => f === join(src, "commands", `${c}.ts`)),
    forbids: (target) =>
      target.startsWith(src) && ["db", "server"].includes(area(target))
        ? `client code imports ${relative(root, target)} (client commands never open the database)`
        : null,
  },
];

// Adapters never import each other.
function adapterCrossing(file: string, target: string): string | null {
  const from = area(file);
  const to = area(target);
  return ADAPTERS.includes(from) && ADAPTERS.includes(to) && from !== to
    ? `adapter ${from} imports adapter ${to}`
    : null;
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) yield full;
  }
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const violations: string[] = [];
for (const file of walk(src)) {
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? "";
    const target = spec.startsWith(".") ? resolve(dirname(file), spec) : spec;
    const found = [
      adapterCrossing(file, target),
      ...rules.filter((r) => r.applies(file)).map((r) => r.forbids(target, spec)),
    ];
    for (const v of found) if (v) violations.push(`${relative(root, file)}: ${v}`);
  }
}

if (violations.length > 0) {
  console.error(`${violations.length} import boundary violation(s):\n${violations.join("\n")}`);
  process.exit(1);
}
console.error("import boundaries: ok");
