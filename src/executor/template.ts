// The command-template isolation: BUILDBTW_EXECUTOR_ISOLATION="bwrap --bind {source} /src … {command}".
// The template is split into words once, like a shell would split it (quotes and backslashes, nothing
// else: no variables, no globs, no pipes), and placeholders are filled in per word. A value never becomes
// more than the one word it sits in, so no job variable can smuggle options or commands into the line.
import { Invalid } from "../core/errors";

export class TemplateError extends Invalid {
  override name = "TemplateError";
}

/** What a template may name. `{command}` stands for the whole build command and must be a word of its own. */
export const PLACEHOLDERS = {
  command: "the build command (buildbtw executor build …), several words",
  source: "the package sources: the job's checkout at the build's commit (read only)",
  output: "the directory the package files must end up in",
  arch: "the architecture to build for",
  pkgbase: "the pkgbase being built",
  commit: "the commit being built",
  repository_name: "the namespace's pacman repository name (buildbtw-NAMESPACE)",
  repository_url: "the namespace's pacman repository URL for this iteration and architecture",
} as const;
export type Placeholder = keyof typeof PLACEHOLDERS;

export interface CommandTemplate {
  /** The template as configured, for messages. */
  text: string;
  words: string[];
}

const PLACEHOLDER = /\{([a-z_]*)\}/g;

/** Split `text` into words (single quotes literal, double quotes and backslashes as in sh) and check its placeholders. */
export function parseTemplate(text: string): CommandTemplate {
  const words = splitWords(text);
  if (words.length === 0) throw new TemplateError("the isolation command template is empty");
  let named = 0;
  for (const word of words) {
    for (const match of word.matchAll(PLACEHOLDER)) {
      const name = match[1] as string;
      if (!(name in PLACEHOLDERS))
        throw new TemplateError(
          `the isolation command template names {${name}}, which is not one of ${placeholderList()}`,
        );
      if (name === "command" && word !== "{command}")
        throw new TemplateError("{command} must be a word of its own in the isolation command template");
      named++;
    }
  }
  if (named === 0)
    throw new TemplateError(
      `the isolation command template names no placeholder; use {command} to wrap the build, or {source} and {output}`,
    );
  if (/\{[a-z_]*\}/.test(words[0] as string))
    throw new TemplateError("the isolation command template must start with a program, not a placeholder");
  return { text, words };
}

const placeholderList = () =>
  Object.keys(PLACEHOLDERS)
    .map((p) => `{${p}}`)
    .join(", ");

/** The command line: `{command}` becomes `command`'s words, every other placeholder its value inside its word. */
export function fillTemplate(
  template: CommandTemplate,
  values: Record<Exclude<Placeholder, "command">, string>,
  command: string[],
): string[] {
  return template.words.flatMap((word) =>
    word === "{command}"
      ? command
      : [word.replace(PLACEHOLDER, (_, name: string) => values[name as Exclude<Placeholder, "command">])],
  );
}

/** sh-like word splitting: whitespace separates, '…' is literal, "…" honours \" \\ \$ \`, \x outside quotes is x. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let i = 0;
  const append = (s: string) => {
    word = (word ?? "") + s;
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw new TemplateError("the isolation command template has an unterminated ' quote");
      append(text.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let s = "";
      for (;;) {
        if (j >= text.length) throw new TemplateError('the isolation command template has an unterminated " quote');
        const d = text[j] as string;
        if (d === '"') break;
        if (d === "\\" && j + 1 < text.length && '"\\$`'.includes(text[j + 1] as string)) {
          s += text[j + 1];
          j += 2;
        } else {
          s += d;
          j++;
        }
      }
      append(s);
      i = j + 1;
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new TemplateError("the isolation command template ends in a lone backslash");
      append(text[i + 1] as string);
      i += 2;
    } else {
      append(c);
      i++;
    }
  }
  if (word !== null) words.push(word);
  return words;
}
