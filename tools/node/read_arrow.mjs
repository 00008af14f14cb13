// Reads a cocos trajectory file (Arrow IPC stream) with the apache-arrow
// JavaScript implementation and prints what it saw as JSON, so that Go
// tests can check our files read elsewhere. Shares no code with cocos.
import { readFileSync } from "node:fs";
import { tableFromIPC } from "apache-arrow";

const table = tableFromIPC(readFileSync(process.argv[2]));
const plain = (v) => {
  if (typeof v === "bigint") return Number(v);
  if (v && typeof v.toArray === "function") return Array.from(v.toArray(), plain);
  return v;
};
const rows = [];
for (let i = 0; i < table.numRows; i++) {
  const row = table.get(i);
  const out = {};
  for (const f of table.schema.fields) out[f.name] = plain(row[f.name]);
  rows.push(out);
}
console.log(JSON.stringify({
  numRows: table.numRows,
  batches: table.batches.length,
  fields: table.schema.fields.map((f) => `${f.name}:${f.type}`),
  metadata: Object.fromEntries(table.schema.metadata),
  rows,
}));
