// Encodes and decodes strings with @lenml/tokenizers (a JavaScript port of
// Hugging Face's tokenizers) loading a tokenizer.json + tokenizer_config.json
// pair, and prints the ids and decoded texts as JSON. Shares no code with cocos.
// Usage: node tokenize.mjs MODEL_DIR STRINGS.json
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TokenizerLoader } from "@lenml/tokenizers";

const [dir, input] = process.argv.slice(2);
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")),
  tokenizerConfig: JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")),
});
const texts = JSON.parse(readFileSync(input, "utf8"));
const ids = [], decoded = [], withSpecial = [];
for (const t of texts) {
  const e = tokenizer.encode(t, { add_special_tokens: false });
  ids.push(e);
  decoded.push(e.length === 0 ? "" : tokenizer.decode(e, { skip_special_tokens: false, clean_up_tokenization_spaces: false }));
  withSpecial.push(tokenizer.encode(t, { add_special_tokens: true }));
}
console.log(JSON.stringify({ ids, decoded, withSpecial }));
