import { defineCommand } from "citty";
import { vercmp } from "../core/vercmp";
import { execute } from "./support";

export default defineCommand({
  meta: {
    name: "vercmp",
    description: "Compare two package versions exactly like pacman's vercmp: prints -1, 0 or 1",
  },
  args: {
    a: { type: "positional", description: "First version, e.g. 1:2.0-1", required: true },
    b: { type: "positional", description: "Second version", required: true },
  },
  run: ({ args }) =>
    execute(() => {
      process.stdout.write(`${vercmp(args.a, args.b)}\n`);
      return 0;
    }),
});
