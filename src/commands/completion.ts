// `buildbtw completion bash|zsh|fish`: a shell completion script. The scripts are small and ask the binary
// itself (`buildbtw __complete WORD…`) what fits the word being completed, so commands, options and
// arguments are read from the same command tree the CLI runs, and namespace and pkgbase names come from the
// server (one light request, given up after a moment) when the argument is one of those.
import { type ArgsDef, type CommandDef, defineCommand } from "citty";
import { type ApiClient, createApiClient } from "../client/api-client";
import { loadClientConfig } from "../config/client";
import { Invalid } from "../core/errors";
import { execute } from "./support";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** How long completion waits for the server before offering nothing. */
const SERVER_WAIT_MS = 1500;

export function completionScript(shell: Shell, program = "buildbtw"): string {
  switch (shell) {
    case "bash":
      return `# bash completion for ${program}: eval "$(${program} completion bash)", e.g. in ~/.bashrc
_${program}_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$(${program} __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "\${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _${program}_complete ${program}
`;
    case "zsh":
      return `#compdef ${program}
# zsh completion for ${program}: ${program} completion zsh > "\${fpath[1]}/_${program}", or eval it in ~/.zshrc
_${program}() {
  local -a candidates
  candidates=("\${(@f)$(${program} __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ -n "\${candidates[1]}" ]]; then
    compadd -a candidates
  else
    _files
  fi
}
if [[ "$funcstack[1]" = "_${program}" ]]; then _${program} "$@"; else compdef _${program} ${program}; fi
`;
    case "fish":
      return `# fish completion for ${program}: ${program} completion fish > ~/.config/fish/completions/${program}.fish
function __${program}_complete
    set -l tokens (commandline -opc) (commandline -ct)
    set -l out (${program} __complete -- $tokens[2..-1] 2>/dev/null)
    if test (count $out) -gt 0
        printf '%s\\n' $out
    else
        __fish_complete_path (commandline -ct)
    end
end
complete -c ${program} -f -a '(__${program}_complete)'
`;
  }
}

/** Names the server knows, for completing an argument; none when it is slow or unreachable. */
export interface NameSource {
  namespaces(): Promise<string[]>;
  /** The pkgbases of a namespace's latest iteration; only failed ones when `failedOnly`. */
  pkgbases(namespace: string, failedOnly: boolean): Promise<string[]>;
}

const resolve = async <T>(value: T | Promise<T> | (() => T | Promise<T>) | undefined): Promise<T | undefined> =>
  typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;

type Lazy = CommandDef | Promise<CommandDef> | (() => CommandDef | Promise<CommandDef>);

/** Subcommands by name, not loaded (loading one imports its whole mode); hidden ones (`__…`) left out. */
async function children(cmd: CommandDef): Promise<Record<string, Lazy>> {
  const all = ((await resolve(cmd.subCommands)) ?? {}) as Record<string, Lazy>;
  return Object.fromEntries(Object.entries(all).filter(([name]) => !name.startsWith("__")));
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The candidates for the last of `words` (the words after the program name, the one being completed last,
 * possibly empty). An empty list lets the shell fall back to file names.
 */
export async function complete(root: CommandDef, words: string[], names: NameSource): Promise<string[]> {
  const current = words.at(-1) ?? "";
  let cmd = root;
  let args: ArgsDef = {};
  const positionals: string[] = [];
  const before = words.slice(0, -1);
  let expectsValue = false;
  for (let i = 0; i < before.length; i++) {
    const word = before[i] as string;
    args = ((await resolve(cmd.args)) ?? {}) as ArgsDef;
    if (word.startsWith("-")) {
      const name = word.replace(/^--?/, "").split("=")[0] as string;
      const def = Object.entries(args).find(([n]) => kebab(n) === name)?.[1];
      expectsValue = def !== undefined && def.type === "string" && !word.includes("=");
      if (expectsValue && i + 1 < before.length) {
        i++;
        expectsValue = false;
      }
      continue;
    }
    const subs = await children(cmd);
    const sub = positionals.length === 0 && subs[word] ? await resolve(subs[word]) : undefined;
    if (sub) cmd = sub;
    else positionals.push(word);
  }
  if (expectsValue) return [];
  args = ((await resolve(cmd.args)) ?? {}) as ArgsDef;
  const matching = (candidates: string[]) => candidates.filter((c) => c.startsWith(current)).sort();

  if (current.startsWith("-")) {
    return matching([
      ...Object.entries(args)
        .filter(([, d]) => d.type !== "positional")
        .map(([n]) => `--${kebab(n)}`),
      "--help",
    ]);
  }
  const subs = await children(cmd);
  if (Object.keys(subs).length > 0 && positionals.length === 0) return matching(Object.keys(subs));

  const slots = Object.entries(args).filter(([, d]) => d.type === "positional");
  const slot = slots[positionals.length]?.[0];
  switch (slot) {
    case "shell":
      return matching([...SHELLS]);
    case "name":
      return matching(await names.namespaces());
    case "pkgbase": {
      const namespace = positionals[0];
      if (namespace === undefined) return [];
      const commandName = (await resolve(cmd.meta))?.name;
      return matching(await names.pkgbases(namespace, commandName === "retry"));
    }
    default:
      return [];
  }
}

/** The value of `--NAME VALUE` or `--NAME=VALUE` among `words`, if given. */
export function flagValue(words: readonly string[], name: string): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === `--${name}`) return words[i + 1];
    if (word.startsWith(`--${name}=`)) return word.slice(name.length + 3);
  }
  return undefined;
}

/** Names from the server the words point at (`--server-url`, else SERVER_URL), each ask cut short. */
export function serverNames(words: readonly string[]): NameSource {
  /** Completion must never fail or hang: a bad setting, a slow or absent server give no names. */
  const ask = async (call: (client: ApiClient, signal: AbortSignal) => Promise<string[]>): Promise<string[]> => {
    try {
      const config = loadClientConfig({
        "server-url": flagValue(words, "server-url"),
        token: flagValue(words, "token"),
      });
      const client = createApiClient({ serverUrl: config.serverUrl, token: config.token });
      return await call(client, AbortSignal.timeout(SERVER_WAIT_MS));
    } catch {
      return [];
    }
  };
  return {
    namespaces: () =>
      ask(async (client, signal) => (await client.namespaces.list({}, { signal })).namespaces.map((n) => n.name)),
    pkgbases: (namespace, failedOnly) =>
      ask(async (client, signal) => {
        const { builds } = await client.namespaces.builds(namespace, failedOnly ? { status: "failed" } : {}, {
          signal,
        });
        return [...new Set(builds.map((b) => b.pkgbase))];
      }),
  };
}

export const completion = defineCommand({
  meta: {
    name: "completion",
    description:
      "Print a shell completion script for bash, zsh or fish. Commands, options and arguments complete as the CLI " +
      "reads them; namespace and pkgbase names are asked of the server (SERVER_URL or --server-url on the line). " +
      'bash: eval "$(buildbtw completion bash)" in ~/.bashrc; zsh: buildbtw completion zsh > "$fpath[1]/_buildbtw"; ' +
      "fish: buildbtw completion fish > ~/.config/fish/completions/buildbtw.fish",
  },
  args: { shell: { type: "positional", required: true, description: "bash, zsh or fish" } },
  run: ({ args }) =>
    execute(() => {
      const shell = SHELLS.find((s) => s === args.shell);
      if (!shell) throw new Invalid(`no completion for ${JSON.stringify(args.shell)}: choose bash, zsh or fish`);
      process.stdout.write(completionScript(shell));
      return 0;
    }),
});

/** `buildbtw __complete WORD…`, which the scripts call; hidden from help. */
export function completeCommand(root: () => CommandDef): CommandDef {
  return defineCommand({
    meta: {
      name: "__complete",
      description: "Candidates for the last word (used by the completion scripts)",
      hidden: true,
    },
    run: async ({ rawArgs }) => {
      const words = rawArgs[0] === "--" ? rawArgs.slice(1) : rawArgs;
      const candidates = await complete(root(), words, serverNames(words));
      if (candidates.length > 0) process.stdout.write(`${candidates.join("\n")}\n`);
    },
  });
}
