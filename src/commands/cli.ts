// The command line around citty: grouped help with one-line summaries, each command's own help wrapped to
// the terminal, and usage errors (unknown command or option, a missing argument) that exit 2 with the
// closest match instead of printing the root help. citty still parses the arguments and runs the command.
import { type ArgsDef, type CommandDef, runCommand } from "citty";

/** Exit code for a command line that names something that does not exist or misses an argument. */
export const USAGE_ERROR = 2;

export interface CommandGroup {
  title: string;
  /** Command name → one line saying what it does. */
  commands: Record<string, string>;
}

export interface Root {
  name: string;
  version: string;
  /** One sentence under the usage line of the root help. */
  about: string;
  groups: CommandGroup[];
  command: CommandDef;
}

/** What `runCli` writes to, and how wide the terminal is; tests pass their own. */
export interface Terminal {
  out(text: string): void;
  err(text: string): void;
  columns: number;
}

const MAX_WIDTH = 100;

export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  const fromEnv = Number(process.env.COLUMNS);
  const columns =
    stream.isTTY && stream.columns ? stream.columns : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
  return Math.max(40, Math.min(MAX_WIDTH, columns));
}

const defaultTerminal = (): Terminal => ({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  columns: terminalWidth(),
});

// ── pure parts: wrapping, closest match, reading a command line ─────────────

/** `text` wrapped to `width`, every line after the first indented by `indent` spaces (words are never split). */
export function wrap(text: string, width: number, indent = 0, firstIndent = indent): string[] {
  const lines: string[] = [];
  let line = " ".repeat(firstIndent);
  let empty = true;
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = " ".repeat(indent) + word;
    } else {
      line += (empty ? "" : " ") + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The candidate closest to `word` when it is close enough to be a likely typo (or a prefix), else null. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = candidate.startsWith(word) && word.length >= 2 ? 0.5 : editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

const isFlag = (arg: string) => arg.startsWith("-") && arg !== "-";

export interface OptionSpec {
  /** Long names (`--build-timeout`), without dashes. */
  long: Map<string, "boolean" | "string">;
  /** One-letter aliases (`-f`), without the dash. */
  short: Map<string, "boolean" | "string">;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function optionSpec(args: ArgsDef): OptionSpec {
  const spec: OptionSpec = { long: new Map(), short: new Map() };
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const kind = def.type === "boolean" ? "boolean" : "string";
    spec.long.set(kebab(name), kind);
    const aliases = "alias" in def && def.alias ? (Array.isArray(def.alias) ? def.alias : [def.alias]) : [];
    for (const alias of aliases) (alias.length === 1 ? spec.short : spec.long).set(alias, kind);
  }
  spec.long.set("help", "boolean");
  spec.short.set("h", "boolean");
  return spec;
}

export type ArgProblem = { kind: "unknown option"; option: string; suggestion: string | null };

/**
 * The positional words of `rawArgs` (values of string options skipped, everything after `--` kept), and the
 * first option `spec` does not know.
 */
export function readArgs(
  rawArgs: readonly string[],
  spec: OptionSpec,
): { words: string[]; problem: ArgProblem | null } {
  const words: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (arg === "--") {
      words.push(...rawArgs.slice(i + 1));
      break;
    }
    if (!isFlag(arg)) {
      words.push(arg);
      continue;
    }
    const long = arg.startsWith("--");
    const body = arg.slice(long ? 2 : 1);
    const name = body.split("=")[0] as string;
    const hasValue = body.includes("=");
    let kind = long ? spec.long.get(kebab(name)) : spec.short.get(name);
    if (kind === undefined && long && name.startsWith("no-") && spec.long.get(name.slice(3)) === "boolean")
      kind = "boolean";
    if (kind === undefined) {
      const known = [...spec.long.keys()].map((n) => `--${n}`);
      const option = `${long ? "--" : "-"}${name}`;
      return { words, problem: { kind: "unknown option", option, suggestion: closest(option, known) } };
    }
    if (kind === "string" && !hasValue) i++;
  }
  return { words, problem: null };
}

// ── help ─────────────────────────────────────────────────────────────────────

const resolve = async <T>(value: T | Promise<T> | (() => T | Promise<T>) | undefined): Promise<T | undefined> =>
  typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;

type Lazy = CommandDef | Promise<CommandDef> | (() => CommandDef | Promise<CommandDef>);

/** A command's subcommands by name, not loaded: loading one imports its whole mode. */
async function subCommandNames(cmd: CommandDef): Promise<Record<string, Lazy>> {
  return ((await resolve(cmd.subCommands)) ?? {}) as Record<string, Lazy>;
}

/** Hidden commands are named `__…` and stay out of help, suggestions and completion. */
const isHiddenName = (name: string) => name.startsWith("__");

async function subCommandsOf(cmd: CommandDef): Promise<Record<string, CommandDef>> {
  const out: Record<string, CommandDef> = {};
  for (const [name, def] of Object.entries(await subCommandNames(cmd))) {
    const resolved = await resolve(def);
    if (resolved) out[name] = resolved;
  }
  return out;
}

async function metaOf(cmd: CommandDef) {
  return (await resolve(cmd.meta)) ?? {};
}

/** The first sentence of a description, for a list of commands. */
export function firstSentence(description: string): string {
  const end = description.search(/[.:;](\s|$)/);
  return (end === -1 ? description : description.slice(0, end)).trim();
}

/** Rows of `name  text`, names padded to one column, text wrapped beside them. */
function table(
  rows: [string, string][],
  width: number,
  nameWidth = Math.min(Math.max(...rows.map(([n]) => n.length)), 28),
  indent = 2,
): string[] {
  const lines: string[] = [];
  for (const [name, text] of rows) {
    const column = indent + nameWidth + 2;
    if (name.length > nameWidth) {
      lines.push(" ".repeat(indent) + name);
      lines.push(...wrap(text, width, column, column));
    } else {
      const [first = "", ...rest] = wrap(text, width, column, column);
      lines.push(" ".repeat(indent) + name.padEnd(nameWidth) + first.slice(indent + nameWidth), ...rest);
    }
  }
  return lines;
}

/** The root help: usage, the command groups with one line each, and where to read more. */
export async function rootHelp(root: Root, width: number): Promise<string> {
  const names = Object.keys(await subCommandNames(root.command)).filter((n) => !isHiddenName(n));
  const listed = new Set(root.groups.flatMap((g) => Object.keys(g.commands)));
  // Only commands missing from the groups are loaded, for their description's first sentence.
  const others: Record<string, string> = {};
  const all = await subCommandNames(root.command);
  for (const name of names.filter((n) => !listed.has(n))) {
    const meta = await metaOf((await resolve(all[name])) as CommandDef);
    if (!meta.hidden) others[name] = firstSentence(meta.description ?? "");
  }
  const groups = [
    ...root.groups,
    ...(Object.keys(others).length > 0 ? [{ title: "Other commands", commands: others }] : []),
  ];
  const visible = names.filter((n) => listed.has(n) || n in others);
  const lines = [
    ...wrap(`${root.name} ${root.version}: ${root.about}`, width),
    "",
    `Usage: ${root.name} <command> [options]`,
  ];
  const nameWidth = Math.max(...visible.map((n) => n.length));
  for (const group of groups) {
    const rows = Object.entries(group.commands).filter(([name]) => visible.includes(name));
    if (rows.length === 0) continue;
    lines.push("", `${group.title}:`, ...table(rows, width, nameWidth));
  }
  lines.push(
    "",
    "Options:",
    ...table(
      [
        ["-h, --help", `Show this help, or a command's with \`${root.name} <command> --help\``],
        ["--version", "Print the version"],
      ],
      width,
    ),
    "",
    ...wrap(`Run \`${root.name} <command> --help\` for a command's options and details.`, width),
  );
  return `${lines.join("\n")}\n`;
}

/** A command's own help: usage, its whole description wrapped, its subcommands or its options. */
export async function commandHelp(path: string[], cmd: CommandDef, width: number): Promise<string> {
  const meta = await metaOf(cmd);
  const args = ((await resolve(cmd.args)) ?? {}) as ArgsDef;
  const subs = await subCommandsOf(cmd);
  const positionals = Object.entries(args).filter(([, d]) => d.type === "positional");
  const options = Object.entries(args).filter(([, d]) => d.type !== "positional");
  const usage = [
    ...path,
    ...(Object.keys(subs).length > 0 ? ["<command>"] : []),
    ...positionals.map(([name, d]) => (d.required === false ? `[${name.toUpperCase()}]` : name.toUpperCase())),
    "[options]",
  ].join(" ");
  const lines = [...wrap(`Usage: ${usage}`, width, 4, 0)];
  if (meta.description) lines.push("", ...wrap(meta.description, width));
  const visibleSubs = [];
  for (const [name, sub] of Object.entries(subs)) {
    const subMeta = await metaOf(sub);
    if (!subMeta.hidden) visibleSubs.push([name, firstSentence(subMeta.description ?? "")] as [string, string]);
  }
  if (visibleSubs.length > 0) lines.push("", "Commands:", ...table(visibleSubs, width));
  if (positionals.length > 0) {
    lines.push(
      "",
      "Arguments:",
      ...table(
        positionals.map(([n, d]) => [n.toUpperCase(), d.description ?? ""]),
        width,
      ),
    );
  }
  const optionRows: [string, string][] = options.map(([name, d]) => {
    const aliases = "alias" in d && d.alias ? (Array.isArray(d.alias) ? d.alias : [d.alias]) : [];
    const short = aliases.filter((a) => a.length === 1).map((a) => `-${a}, `);
    const value = d.type === "boolean" ? "" : ` ${d.valueHint ?? valueHint(name)}`;
    return [`${short.join("")}--${kebab(name)}${value}`, d.description ?? ""];
  });
  optionRows.push(["-h, --help", "Show this help"]);
  lines.push("", "Options:", ...table(optionRows, width));
  if (visibleSubs.length > 0) lines.push("", ...wrap(`Run \`${path.join(" ")} <command> --help\` for more.`, width));
  return `${lines.join("\n")}\n`;
}

/** What an option's value is called in help: the last word of its name (`--work-dir DIR`, `--server-url URL`). */
const valueHint = (name: string): string => (kebab(name).split("-").at(-1) as string).toUpperCase();

// ── running ──────────────────────────────────────────────────────────────────

class UsageError extends Error {
  constructor(
    message: string,
    readonly helpPath: string[],
  ) {
    super(message);
  }
}

/** citty colours some of its messages. */
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, "");

/**
 * Run the command line `rawArgs`. Help goes to stdout with exit 0; usage errors print one line and where to
 * get help on stderr and exit 2; everything else is the command's own business (its exit code stands).
 */
export async function runCli(root: Root, rawArgs: string[], terminal: Terminal = defaultTerminal()): Promise<void> {
  try {
    await dispatch(root, rawArgs, terminal);
  } catch (error) {
    if (error instanceof UsageError) {
      terminal.err(`${root.name}: ${error.message}\n`);
      terminal.err(`Run \`${[...error.helpPath, "--help"].join(" ")}\` for usage.\n`);
      process.exitCode = USAGE_ERROR;
      return;
    }
    throw error;
  }
}

async function dispatch(root: Root, rawArgs: string[], terminal: Terminal): Promise<void> {
  const path = [root.name];
  let cmd = root.command;
  let rest = rawArgs;
  const wantsHelp = () => rest.some((a) => a === "--help" || a === "-h");
  for (;;) {
    const subs = await subCommandNames(cmd);
    if (Object.keys(subs).length === 0) break;
    const first = rest.findIndex((a) => !isFlag(a));
    if (first === -1) {
      if (cmd === root.command && rest.length === 1 && rest[0] === "--version") {
        terminal.out(`${root.version}\n`);
        return;
      }
      if (cmd === root.command && rest.length > 0 && !wantsHelp()) {
        const option = rest[0] as string;
        const suggestion = closest(option, ["--help", "--version"]);
        throw new UsageError(`unknown option ${option}${suggestion ? `; did you mean ${suggestion}?` : ""}`, path);
      }
      if (cmd.run === undefined && !wantsHelp() && cmd !== root.command) {
        throw new UsageError(
          `${path.slice(1).join(" ")}: missing command, one of ${Object.keys(subs).join(", ")}`,
          path,
        );
      }
      terminal.out(
        cmd === root.command ? await rootHelp(root, terminal.columns) : await commandHelp(path, cmd, terminal.columns),
      );
      return;
    }
    const name = rest[first] as string;
    const next = subs[name] === undefined ? undefined : await resolve(subs[name]);
    if (next === undefined) {
      const suggestion = closest(
        name,
        Object.keys(subs).filter((n) => !isHiddenName(n)),
      );
      const where = cmd === root.command ? "" : `${path.slice(1).join(" ")}: `;
      throw new UsageError(`${where}unknown command ${name}${suggestion ? `; did you mean ${suggestion}?` : ""}`, path);
    }
    path.push(name);
    cmd = next;
    rest = [...rest.slice(0, first), ...rest.slice(first + 1)];
  }
  const args = ((await resolve(cmd.args)) ?? {}) as ArgsDef;
  const { problem } = readArgs(rest, optionSpec(args));
  if (wantsHelp()) {
    terminal.out(await commandHelp(path, cmd, terminal.columns));
    return;
  }
  if (problem) {
    throw new UsageError(
      `${path.slice(1).join(" ")}: unknown option ${problem.option}${problem.suggestion ? `; did you mean ${problem.suggestion}?` : ""}`,
      path,
    );
  }
  try {
    await runCommand(cmd, { rawArgs: rest });
  } catch (error) {
    // citty's own argument errors (a missing positional, a bad enum value) are usage errors too.
    if (error instanceof Error && error.name === "CLIError") {
      const message = stripAnsi(error.message);
      throw new UsageError(`${path.slice(1).join(" ")}: ${message.charAt(0).toLowerCase()}${message.slice(1)}`, path);
    }
    throw error;
  }
}
