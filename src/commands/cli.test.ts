import { describe, expect, test } from "bun:test";
import { type CommandDef, defineCommand } from "citty";
import { closest, commandHelp, firstSentence, optionSpec, readArgs, rootHelp, wrap } from "./cli";
import { complete, completionScript, type NameSource } from "./completion";

const demo = defineCommand({
  meta: { name: "demo", description: "Do a demo thing. It has a long explanation ".repeat(6) },
  args: {
    name: { type: "positional", required: true, description: "Namespace name" },
    pkgbase: { type: "positional", required: false, description: "A pkgbase" },
    "work-dir": { type: "string", description: "Where to work" },
    follow: { type: "boolean", alias: "f", description: "Keep going" },
  },
  run: () => {},
});
const tree = defineCommand({
  meta: { name: "prog" },
  subCommands: {
    demo,
    retry: defineCommand({ ...demo, meta: { name: "retry", description: "Retry" } }),
    group: defineCommand({ meta: { name: "group", description: "A group" }, subCommands: { inner: demo } }),
    __hidden: defineCommand({ meta: { name: "__hidden", hidden: true }, run: () => {} }),
  },
});

describe("wrap", () => {
  test("breaks between words, indents after the first line, never splits a word", () => {
    expect(wrap("aaa bbb ccc ddd", 8, 2, 0)).toEqual(["aaa bbb", "  ccc", "  ddd"]);
    expect(wrap("averyveryverylongword x", 8)).toEqual(["averyveryverylongword", "x"]);
    expect(wrap("", 10)).toEqual([""]);
  });
});

describe("closest", () => {
  test("a typo or a prefix finds its command; something unlike anything finds nothing", () => {
    expect(closest("wroker", ["worker", "serve"])).toBe("worker");
    expect(closest("ser", ["worker", "serve"])).toBe("serve");
    expect(closest("--jsn", ["--json", "--server-url"])).toBe("--json");
    expect(closest("zzzzzz", ["worker", "serve"])).toBeNull();
  });
});

describe("readArgs", () => {
  const spec = optionSpec(demo.args as never);
  test("positionals, with string options' values skipped", () => {
    expect(readArgs(["a", "--work-dir", "/x", "-f", "b", "--no-follow"], spec)).toEqual({
      words: ["a", "b"],
      problem: null,
    });
    expect(readArgs(["--work-dir=/x", "--", "--not-an-option"], spec).words).toEqual(["--not-an-option"]);
  });
  test("the first unknown option, with the closest known one", () => {
    expect(readArgs(["a", "--work-dri", "x"], spec).problem).toEqual({
      kind: "unknown option",
      option: "--work-dri",
      suggestion: "--work-dir",
    });
    expect(readArgs(["-x"], spec).problem?.option).toBe("-x");
    expect(readArgs(["--no-work-dir"], spec).problem?.option).toBe("--no-work-dir");
  });
});

describe("help", () => {
  test("the root help lists groups and one line per command, within the width; hidden ones stay out", async () => {
    const text = await rootHelp(
      {
        name: "prog",
        version: "1.0",
        about: "does things.",
        groups: [{ title: "First", commands: { demo: "Do a demo thing" } }],
        command: tree,
      },
      60,
    );
    expect(text).toContain("First:\n  demo   Do a demo thing\n");
    expect(text).toContain("Other commands:\n  retry  Retry\n  group  A group\n");
    expect(text).not.toContain("hidden");
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(60);
  });

  test("a command's help has its whole description wrapped, its arguments and options", async () => {
    const text = await commandHelp(["prog", "demo"], demo as CommandDef, 50);
    expect(text.split("\n")[0]).toBe("Usage: prog demo NAME [PKGBASE] [options]");
    expect(text.replace(/\s+/g, " ")).toContain("It has a long explanation Do a demo thing. It has a long explanation");
    expect(text).toContain("-f, --follow");
    expect(text).toContain("--work-dir DIR");
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(50);
  });

  test("first sentences", () => {
    expect(firstSentence("Print the JSON: more. Even more")).toBe("Print the JSON");
    expect(firstSentence("No stop at all")).toBe("No stop at all");
    expect(firstSentence("Keeps 1.5 in. Then")).toBe("Keeps 1.5 in");
  });
});

describe("completion", () => {
  const asked: string[] = [];
  const names: NameSource = {
    namespaces: async () => {
      asked.push("namespaces");
      return ["zlib", "zstd", "python"];
    },
    pkgbases: async (namespace, failedOnly) => {
      asked.push(`pkgbases ${namespace} ${failedOnly}`);
      return ["zlib", "libpng"];
    },
  };

  test("commands, subcommands and options from the tree", async () => {
    expect(await complete(tree, [""], names)).toEqual(["demo", "group", "retry"]);
    expect(await complete(tree, ["gr"], names)).toEqual(["group"]);
    expect(await complete(tree, ["group", ""], names)).toEqual(["inner"]);
    expect(await complete(tree, ["demo", "--"], names)).toEqual(["--follow", "--help", "--work-dir"]);
  });

  test("namespace and pkgbase arguments ask the server; option values and other arguments do not", async () => {
    asked.length = 0;
    expect(await complete(tree, ["demo", "z"], names)).toEqual(["zlib", "zstd"]);
    expect(await complete(tree, ["demo", "zlib", "--work-dir", "/x", "lib"], names)).toEqual(["libpng"]);
    expect(await complete(tree, ["retry", "zlib", ""], names)).toEqual(["libpng", "zlib"]);
    expect(await complete(tree, ["demo", "--work-dir", ""], names)).toEqual([]);
    expect(asked).toEqual(["namespaces", "pkgbases zlib false", "pkgbases zlib true"]);
  });

  test("every shell gets a script that calls the program back", () => {
    for (const shell of ["bash", "zsh", "fish"] as const)
      expect(completionScript(shell)).toContain("buildbtw __complete --");
  });
});
