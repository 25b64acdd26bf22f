import { readFileSync } from "node:fs";
import { defineCommand } from "citty";
import { parseArch } from "../core/names";
import { formatVersion } from "../core/package-file";
import { formatSrcinfoError, parseSrcinfo, SrcinfoError } from "../core/srcinfo";
import { srcinfoJson } from "../core/srcinfo-json";
import { DEFAULT_ARCH } from "../core/types";
import { execute, jsonFlag, printJson, printLines } from "./support";

export default defineCommand({
  meta: {
    name: "srcinfo",
    description: "Parse a .SRCINFO and show the packages it builds per architecture",
  },
  args: {
    file: { type: "positional", description: "Path to a .SRCINFO file", required: true },
    arch: { type: "string", description: "Only this concrete architecture (default: every one the file names)" },
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(() => {
      const arch = args.arch === undefined ? undefined : parseArch(args.arch);
      let text: string;
      try {
        text = readFileSync(args.file, "utf8");
      } catch (error) {
        process.stderr.write(`${args.file}: cannot read: ${(error as Error).message}\n`);
        return 1;
      }
      let srcinfo: ReturnType<typeof parseSrcinfo>;
      try {
        srcinfo = parseSrcinfo(text);
      } catch (error) {
        if (!(error instanceof SrcinfoError)) throw error;
        process.stderr.write(`${formatSrcinfoError(args.file, error)}\n`);
        return 1;
      }
      const out = srcinfoJson(srcinfo, { arch, defaultArch: DEFAULT_ARCH });
      if (args.json) {
        printJson(out);
        return 0;
      }
      const lines = [`${out.pkgbase} ${formatVersion(srcinfo.version)}`];
      for (const [a, packages] of Object.entries(out.architectures)) {
        lines.push("", `${a}: ${packages.length} package${packages.length === 1 ? "" : "s"}`);
        for (const p of packages) {
          lines.push(`  ${p.pkgname} (${p.arch.join(", ")})`);
          if (p.depends.length) lines.push(`    depends:      ${p.depends.join(" ")}`);
          if (p.makedepends.length) lines.push(`    makedepends:  ${p.makedepends.join(" ")}`);
          if (p.checkdepends.length) lines.push(`    checkdepends: ${p.checkdepends.join(" ")}`);
          if (p.provides.length) lines.push(`    provides:     ${p.provides.join(" ")}`);
        }
      }
      printLines(lines);
      return 0;
    }),
});
