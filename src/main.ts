#!/usr/bin/env bun
// The only module with top-level effects: parse the command line and run one mode.
import { defineCommand, runMain } from "citty";
import pkg from "../package.json" with { type: "json" };

const lazy =
  <T>(load: () => Promise<{ default: T }>) =>
  () =>
    load().then((m) => m.default);

const root = defineCommand({
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
  },
});

await runMain(root);
