import { expect, test } from "bun:test";
import { waitFor } from "../../test/support/processes";
import { createLogStream, pieces } from "./log-stream";

test("small writes are batched into one send after the flush interval", async () => {
  const sent: string[] = [];
  const logs = createLogStream({ send: async (t) => void sent.push(t), onError: () => {}, flushMs: 30 });
  logs.write("a\n");
  logs.write("b\n");
  expect(sent).toEqual([]);
  await waitFor("a send", () => sent.length > 0, 2000, 2);
  expect(sent).toEqual(["a\nb\n"]);
});

test("a full batch is sent at once", async () => {
  const sent: string[] = [];
  const logs = createLogStream({
    send: async (t) => void sent.push(t),
    onError: () => {},
    flushMs: 60_000,
    maxBytes: 4,
  });
  logs.write("12");
  logs.write("345");
  await waitFor("a send", () => sent.length > 0, 2000, 2);
  expect(sent).toEqual(["12345"]);
});

test("batches go one at a time, in order, even when a send is slow", async () => {
  const sent: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const logs = createLogStream({
    send: async (t) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await Bun.sleep(t === "first" ? 20 : 1);
      sent.push(t);
      inFlight--;
    },
    onError: () => {},
  });
  logs.write("first");
  void logs.flush();
  logs.write("second");
  await logs.flush();
  expect(sent).toEqual(["first", "second"]);
  expect(maxInFlight).toBe(1);
});

test("a failed batch is reported and later ones still go", async () => {
  const sent: string[] = [];
  const errors: unknown[] = [];
  const logs = createLogStream({
    send: async (t) => {
      if (t === "bad") throw new Error("refused");
      sent.push(t);
    },
    onError: (e) => errors.push(e),
  });
  logs.write("bad");
  await logs.flush();
  logs.write("good");
  await logs.flush();
  expect(sent).toEqual(["good"]);
  expect(errors).toHaveLength(1);
});

test("after discard nothing more is sent", async () => {
  const sent: string[] = [];
  const logs = createLogStream({ send: async (t) => void sent.push(t), onError: () => {}, flushMs: 5 });
  logs.write("buffered");
  logs.discard();
  logs.write("later");
  await logs.flush();
  expect(sent).toEqual([]);
});

test("one huge write goes out in pieces the server accepts", async () => {
  const sent: string[] = [];
  const logs = createLogStream({ send: async (t) => void sent.push(t), onError: () => {}, maxRequestChars: 4 });
  logs.write("0123456789");
  await logs.flush();
  expect(sent).toEqual(["0123", "4567", "89"]);
});

test("pieces never split a surrogate pair", () => {
  expect(pieces("ab😀cd", 3)).toEqual(["ab", "😀c", "d"]);
  expect(pieces("", 3)).toEqual([""]);
});
