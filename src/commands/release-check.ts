// `buildbtw release-check NAME`: what releasing an iteration would change, and whether it is safe.
import { defineCommand } from "citty";
import type { ReleaseCheck } from "../api/schemas";
import { clientFlags } from "../config/client";
import { archArg, iterationArg, namespaceArg } from "./client-args";
import { connect } from "./client-connect";
import { type Paint, paintFor } from "./client-style";
import { execute, jsonFlag, printJson, printLines } from "./support";

const kb = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`);

export function releaseLines(check: ReleaseCheck, paint: Paint): string[] {
  const lines = [
    `${paint("bold", check.namespace)}, iteration ${check.iteration}${check.current ? "" : paint("yellow", " (superseded)")}: ${
      check.releasable ? paint("green", "releasable") : paint("red", "not releasable")
    }`,
  ];
  for (const [arch, a] of Object.entries(check.architectures)) {
    lines.push(
      "",
      `${paint("bold", arch)}: ${a.releasable ? paint("green", "releasable") : paint("red", "not releasable")}`,
    );
    const width = Math.max(...a.pkgbases.map((p) => p.pkgbase.length), 7);
    for (const p of a.pkgbases) {
      const version =
        p.main_version === p.built_version ? p.built_version : `${p.main_version ?? "(new)"} → ${p.built_version}`;
      const files =
        p.files.length > 0 ? `, ${p.files.length} file(s), ${kb(p.files.reduce((n, f) => n + f.size, 0))}` : "";
      lines.push(`  ${p.pkgbase.padEnd(width)}  ${version} (${p.kind}, ${p.status}${files})`);
      if (p.sonames && (p.sonames.before.length > 0 || p.sonames.after.length > 0))
        lines.push(
          `  ${" ".repeat(width)}  sonames: ${p.sonames.before.join(" ") || "none"} → ${p.sonames.after.join(" ") || "none"}`,
        );
    }
    if (a.reasons.length > 0) {
      lines.push("  why not:");
      for (const r of a.reasons) lines.push(`    - ${r}`);
    }
  }
  if (check.releasable)
    lines.push(
      "",
      `Next: buildbtw download ${check.namespace} --into DIR (your pkgctl repo clone checkouts), then pkgctl release in each.`,
    );
  return lines;
}

export default defineCommand({
  meta: {
    name: "release-check",
    description:
      "Check whether an iteration (latest unless --iteration) can be released: per architecture every pkgbase with " +
      "its version at main and as built, its package files, the origins' soname provisions before and after, and every " +
      "dependency a release would leave unmet. Releasable only when the iteration is current, every build is built and " +
      "nothing is unmet. Exit 0 when releasable, 1 otherwise",
  },
  args: {
    name: { type: "positional", description: "Namespace name", required: true },
    iteration: { type: "string", description: "Check this iteration instead of the latest (its id)" },
    arch: { type: "string", description: "Only this architecture" },
    ...clientFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const name = namespaceArg(args.name);
      const query = { iteration: iterationArg(args.iteration), arch: archArg(args.arch) };
      const check = await connect(args).namespaces.release(name, query);
      if (args.json) printJson(check);
      else printLines(releaseLines(check, paintFor(process.stdout)));
      return check.releasable ? 0 : 1;
    }),
});
