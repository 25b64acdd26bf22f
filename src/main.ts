#!/usr/bin/env bun
// The only module with top-level effects: parse the command line and run one mode.
import { type CommandDef, defineCommand } from "citty";
import pkg from "../package.json" with { type: "json" };
import { type CommandGroup, runCli } from "./commands/cli";
import { completeCommand, completion } from "./commands/completion";

const lazy =
  <T>(load: () => Promise<{ default: T }>) =>
  () =>
    load().then((m) => m.default);

const root: CommandDef = defineCommand({
  meta: {
    name: "buildbtw",
    version: pkg.version,
    description: "Rebuild every dependent of an Arch Linux package change, in order, into its own pacman repository",
  },
  subCommands: {
    serve: lazy(() => import("./commands/serve")),
    worker: lazy(() => import("./commands/worker")),
    executor: lazy(() => import("./commands/executor")),
    plan: lazy(() => import("./commands/plan")),
    srcinfo: lazy(() => import("./commands/srcinfo")),
    vercmp: lazy(() => import("./commands/vercmp")),
    token: lazy(() => import("./commands/token")),
    gc: lazy(() => import("./commands/gc")),
    check: lazy(() => import("./commands/check")),
    backup: lazy(() => import("./commands/backup")),
    repos: lazy(() => import("./commands/repos")),
    new: lazy(() => import("./commands/new")),
    list: lazy(() => import("./commands/list")),
    show: lazy(() => import("./commands/show")),
    cancel: lazy(() => import("./commands/cancel")),
    resume: lazy(() => import("./commands/resume")),
    retry: lazy(() => import("./commands/retry")),
    logs: lazy(() => import("./commands/logs")),
    auth: lazy(() => import("./commands/auth")),
    audit: lazy(() => import("./commands/audit")),
    "release-check": lazy(() => import("./commands/release-check")),
    download: lazy(() => import("./commands/download")),
    completion,
    __complete: completeCommand(() => root),
  },
});

/** The root help's command list: one line each, grouped by who runs them (a command left out shows under "Other"). */
const groups: CommandGroup[] = [
  {
    title: "Packager commands",
    commands: {
      new: "Open a namespace: build an origin changeset's dependents, in order",
      list: "List namespaces and their progress",
      show: "Show a namespace: iteration, builds by status, pacman.conf",
      logs: "Print or follow a build's log",
      retry: "Retry a failed build, or the whole namespace as a new iteration",
      cancel: "Cancel a namespace: no new builds, running ones stop",
      resume: "Resume a cancelled namespace",
      "release-check": "Check whether a namespace's builds can be released, and why not",
      download: "Download the built packages, or put them into pkgctl checkouts for release",
      plan: "Show what a rebuild involves, without building anything",
      srcinfo: "Parse a .SRCINFO and show its packages per architecture",
      vercmp: "Compare two package versions like pacman's vercmp",
      auth: "Log in through single sign-on, show who you are, log out",
      completion: "Print a shell completion script (bash, zsh, fish)",
    },
  },
  {
    title: "Server host commands",
    commands: {
      serve: "Run the server: API, web UI, pacman repositories, scheduling",
      token: "Create, list and revoke worker and bot tokens",
      audit: "Show the audit log, newest first (admins)",
      repos: "Clone or update the GitLab packages group's repositories",
    },
  },
  {
    title: "Build and runner host commands",
    commands: {
      worker: "Build packages for a server (makepkg, pkgctl or fake driver)",
      executor: "GitLab Runner custom executor stages (config, prepare, run, cleanup)",
    },
  },
];

await runCli(
  {
    name: "buildbtw",
    version: pkg.version,
    about: "rebuild every dependent of an Arch Linux package change, in order, into its own pacman repository.",
    groups,
    command: root,
  },
  process.argv.slice(2),
);
