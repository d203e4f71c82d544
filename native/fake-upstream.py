#!/usr/bin/env python3
"""A minimal engine for the native smoke test: OpenAI-compatible /v1/chat/completions,
/v1/responses (store:false) and /v1/completions (token ids) with streaming, and /v1/models.
Usage: fake-upstream.py PORT"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path != "/v1/models":
            return self.send_error(404)
        body = json.dumps({"object": "list", "data": [{"id": "fake", "object": "model", "created": 1, "owned_by": "smoke"}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        if self.path == "/v1/chat/completions":
            count = len(request["messages"])
            text = f"chat saw {count} messages"
            for delta in [{"role": "assistant", "content": ""}, {"content": text}]:
                self.data({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": request["model"],
                           "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
            self.data({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": request["model"],
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            self.data({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": request["model"], "choices": [],
                       "usage": {"prompt_tokens": count * 10, "completion_tokens": 4, "total_tokens": count * 10 + 4,
                                 "prompt_tokens_details": {"cached_tokens": (count - 1) * 10}}})
            self.wfile.write(b"data: [DONE]\n\n")
        elif self.path == "/v1/completions":
            # a token-in engine: the prompt must be token ids
            ids = request["prompt"]
            if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
                raise ValueError("prompt is not token ids")
            text = f"<think>\nchecking\n</think>\n\ncompletions saw {len(ids)} tokens"
            for piece in [text[i:i + 5] for i in range(0, len(text), 5)]:
                self.data({"object": "text_completion", "choices": [{"index": 0, "text": piece, "finish_reason": None}]})
            self.data({"object": "text_completion", "choices": [{"index": 0, "text": "", "finish_reason": "stop"}]})
            self.data({"object": "text_completion", "choices": [],
                       "usage": {"prompt_tokens": len(ids), "completion_tokens": 9}})
            self.wfile.write(b"data: [DONE]\n\n")
        elif self.path == "/v1/responses":
            count = len(request["input"])
            text = f"responses saw {count} items, store={str(request.get('store')).lower()}"
            item = {"id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}
            response = {"id": "resp_1", "object": "response", "status": "completed", "model": request["model"], "output": [item],
                        "usage": {"input_tokens": count * 10, "input_tokens_details": {"cached_tokens": 0},
                                  "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": count * 10 + 5}}
            events = [{"type": "response.created", "response": dict(response, status="in_progress", output=[])},
                      {"type": "response.output_item.added", "output_index": 0, "item": dict(item, status="in_progress", content=[])},
                      {"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": text},
                      {"type": "response.output_item.done", "output_index": 0, "item": item},
                      {"type": "response.completed", "response": response}]
            for number, event in enumerate(events):
                event["sequence_number"] = number
                self.wfile.write(f"event: {event['type']}\n".encode())
                self.data(event)
        self.wfile.flush()
        self.close_connection = True

    def data(self, payload):
        self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
        self.wfile.flush()


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
