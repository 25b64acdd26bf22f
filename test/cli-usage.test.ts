// The command line as a packager meets it: grouped help that fits, each command's own help wrapped to the
// terminal, usage errors that exit 2 and name the closest match, and completion scripts a shell accepts.
import { describe, expect, test } from "bun:test";
import { cliCommand, runCli, runProcess } from "./support/cli";

const widest = (text: string) => Math.max(...text.split("\n").map((l) => l.length));

describe("help", () => {
  test("--help and no arguments: the commands grouped, one line each, within 100 columns", async () => {
    for (const args of [["--help"], ["-h"], []]) {
      const r = await runCli(args, { env: { COLUMNS: "200" } });
      expect(r.code).toBe(0);
      expect(widest(r.stdout)).toBeLessThanOrEqual(100);
      for (const group of ["Packager commands:", "Server host commands:", "Build and runner host commands:"])
        expect(r.stdout).toContain(group);
      for (const cmd of ["new", "logs", "serve", "token", "worker", "executor", "completion"])
        expect(r.stdout).toMatch(new RegExp(`^  ${cmd} +\\S.*$`, "m"));
      expect(r.stdout).not.toContain("__complete");
    }
  });

  test("a command's own --help has its whole description, wrapped to the terminal", async () => {
    const r = await runCli(["worker", "--help"], { env: { COLUMNS: "60" } });
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("Usage: buildbtw worker [options]");
    expect(r.stdout.replace(/\s+/g, " ")).toContain("a second signal abandons them");
    expect(r.stdout).toContain("--build-timeout TIMEOUT");
    // Only a single word longer than the terminal may overflow it.
    for (const line of r.stdout.split("\n")) if (line.length > 60) expect(line.trim()).not.toContain(" ");
    const sub = await runCli(["executor", "run", "--help"]);
    expect(sub.stdout.split("\n")[0]).toBe("Usage: buildbtw executor run SCRIPT STAGE [options]");
  });

  test("--version prints the version", async () => {
    const r = await runCli(["--version"]);
    expect([r.code, r.stdout.trim()]).toEqual([0, (await Bun.file("package.json").json()).version]);
  });
});

describe("usage errors exit 2 with one line and the closest match", () => {
  test.each([
    [["wroker"], "buildbtw: unknown command wroker; did you mean worker?"],
    [["wroker", "--help"], "buildbtw: unknown command wroker; did you mean worker?"],
    [["frobnicate"], "buildbtw: unknown command frobnicate\n"],
    [["list", "--jsn"], "buildbtw: list: unknown option --jsn; did you mean --json?"],
    [["logs", "zlib", "zlib", "-x"], "buildbtw: logs: unknown option -x"],
    [["executor", "rnu"], "buildbtw: executor: unknown command rnu; did you mean run?"],
    [["token"], "buildbtw: token: missing command, one of create"],
    [["vercmp", "1"], "buildbtw: vercmp: missing required positional argument: B"],
    [["--verison"], "buildbtw: unknown option --verison; did you mean --version?"],
  ])("%p", async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain("--help` for usage.");
  });
});

describe("completion", () => {
  test("bash accepts the script and completes commands, options and arguments through the program", async () => {
    const script = (await runCli(["completion", "bash"])).stdout;
    const program = cliCommand()
      .map((w) => `'${w}'`)
      .join(" ");
    const complete = async (...words: string[]) => {
      const line = words.map((w) => `'${w}'`).join(" ");
      const r = await runProcess(
        [
          "bash",
          "-c",
          `buildbtw() { ${program} "$@"; }\n${script}\nCOMP_WORDS=(buildbtw ${line}); COMP_CWORD=${words.length}; ` +
            `_buildbtw_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { env: { ...process.env, SERVER_URL: "http://127.0.0.1:9" } },
      );
      expect(r.stderr).toBe("");
      return r.stdout.split("\n").filter((l) => l !== "");
    };
    expect(await complete("wor")).toEqual(["worker"]);
    expect(await complete("executor", "c")).toEqual(["cleanup", "config"]);
    expect(await complete("logs", "--f")).toEqual(["--follow"]);
    expect(await complete("completion", "")).toEqual(["bash", "fish", "zsh"]);
    // No server there: namespace names are simply not offered.
    expect(await complete("show", "")).toEqual([]);
  });

  test("an unknown shell is one sentence and exit 1", async () => {
    const r = await runCli(["completion", "tcsh"]);
    expect([r.code, r.stderr.trim()]).toEqual([1, 'buildbtw: no completion for "tcsh": choose bash, zsh or fish']);
  });
});
