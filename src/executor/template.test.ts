import { describe, expect, test } from "bun:test";
import { fillTemplate, parseTemplate, splitWords, TemplateError } from "./template";
import { urlSeenFromVm } from "./vmexec";

describe("splitWords", () => {
  test("splits like sh: quotes group, backslashes escape, nothing is expanded", () => {
    expect(splitWords(`a  'b c' "d \\"e\\" $HOME" f\\ g '' x"y"z`)).toEqual([
      "a",
      "b c",
      'd "e" $HOME',
      "f g",
      "",
      "xyz",
    ]);
  });
  test("unterminated quotes and a lone backslash are errors", () => {
    expect(() => splitWords("a 'b")).toThrow(TemplateError);
    expect(() => splitWords('a "b')).toThrow(TemplateError);
    expect(() => splitWords("a \\")).toThrow(TemplateError);
  });
});

describe("templates", () => {
  const values = {
    source: "/s",
    output: "/o",
    arch: "x86_64",
    pkgbase: "zlib",
    commit: "c".repeat(40),
    repository_name: "buildbtw-ns",
    repository_url: "http://h/repo/ns/1/os/x86_64/",
  };

  test("{command} becomes several words; other placeholders stay inside their word", () => {
    const t = parseTemplate("bwrap --bind {source} /src --bind {output}:rw {command} --arch={arch}");
    expect(fillTemplate(t, values, ["buildbtw", "executor", "build", "/job.json"])).toEqual([
      "bwrap",
      "--bind",
      "/s",
      "/src",
      "--bind",
      "/o:rw",
      "buildbtw",
      "executor",
      "build",
      "/job.json",
      "--arch=x86_64",
    ]);
  });

  test("a value never splits into more words or reaches a shell", () => {
    const t = parseTemplate("run {pkgbase}");
    expect(fillTemplate(t, { ...values, pkgbase: "a b; rm -rf /" }, [])).toEqual(["run", "a b; rm -rf /"]);
  });

  test("refused: unknown placeholders, {command} inside a word, no placeholder, a placeholder as the program", () => {
    expect(() => parseTemplate("sandbox {src}")).toThrow(/not one of/);
    expect(() => parseTemplate("sandbox --run={command}")).toThrow(/word of its own/);
    expect(() => parseTemplate("sandbox --flag")).toThrow(/names no placeholder/);
    expect(() => parseTemplate("{source}/run {output}")).toThrow(/must start with a program/);
  });
});

test("the VM reaches the host's loopback at 10.0.2.2; other hosts stay", () => {
  expect(urlSeenFromVm("http://127.0.0.1:8080/repo/x/1/os/x86_64/")).toBe("http://10.0.2.2:8080/repo/x/1/os/x86_64/");
  expect(urlSeenFromVm("http://localhost/repo/")).toBe("http://10.0.2.2/repo/");
  expect(urlSeenFromVm("https://buildbtw.example.org/repo/")).toBe("https://buildbtw.example.org/repo/");
});
