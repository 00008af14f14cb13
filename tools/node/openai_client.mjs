// Drives an OpenAI-compatible server with the official `openai` npm
// client and prints what the client saw as JSON, so that Go tests can
// check cocos serve against a client it did not write. Shares no code
// with cocos.
//
//   node openai_client.mjs BASE_URL < plan.json
//
// plan.json is a list of groups; the calls of a group run concurrently,
// the groups one after another. A call is {name, endpoint: "completions" |
// "chat" | "models" (list, then retrieve the first), params, abortAfter}:
// params go to create() as they are; abortAfter > 0 closes a stream after
// that many chunks.
import { readFileSync } from "node:fs";
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.argv[2], apiKey: "none", maxRetries: 0, timeout: 300_000 });

function choiceText(endpoint, choice, streamed) {
  if (endpoint !== "chat") return choice.text ?? "";
  return (streamed ? choice.delta?.content : choice.message?.content) ?? "";
}

async function whole(call, api) {
  const r = await api.create(call.params);
  return {
    id: r.id, object: r.object, usage: r.usage,
    choices: r.choices.map((c) => ({
      index: c.index, text: choiceText(call.endpoint, c, false), role: c.message?.role ?? null, finish_reason: c.finish_reason,
    })),
  };
}

async function streamed(call, api) {
  const stream = await api.create(call.params);
  const byIndex = new Map();
  const out = { chunks: 0, ids: new Set(), aborted: false };
  for await (const chunk of stream) {
    out.chunks++;
    out.ids.add(chunk.id);
    out.object = chunk.object;
    if (chunk.usage) out.usage = chunk.usage;
    for (const c of chunk.choices) {
      const seen = byIndex.get(c.index) ?? { index: c.index, text: "", role: null, finish_reason: null, pieces: 0 };
      const piece = choiceText(call.endpoint, c, true);
      if (piece) seen.pieces++;
      seen.text += piece;
      seen.role = c.delta?.role ?? seen.role;
      seen.finish_reason = c.finish_reason ?? seen.finish_reason;
      byIndex.set(c.index, seen);
    }
    if (call.abortAfter && out.chunks >= call.abortAfter) {
      out.aborted = true;
      stream.controller.abort();
      break;
    }
  }
  out.ids = [...out.ids];
  out.choices = [...byIndex.values()].sort((a, b) => a.index - b.index);
  return out;
}

async function run(call) {
  const out = { name: call.name };
  try {
    if (call.endpoint === "models") {
      const list = await client.models.list();
      out.models = list.data.map((m) => m.id);
      out.retrieved = (await client.models.retrieve(out.models[0])).id;
      return out;
    }
    const api = call.endpoint === "chat" ? client.chat.completions : client.completions;
    Object.assign(out, call.params.stream ? await streamed(call, api) : await whole(call, api));
  } catch (e) {
    out.error = e instanceof OpenAI.APIError
      ? { status: e.status ?? 0, message: e.error?.message ?? e.message, param: e.param ?? null, type: e.type ?? null, code: e.code ?? null }
      : { status: 0, message: String(e) };
  }
  return out;
}

const results = [];
for (const group of JSON.parse(readFileSync(0, "utf8"))) {
  results.push(...(await Promise.all(group.map(run))));
}
console.log(JSON.stringify(results));
