#!/usr/bin/env python3
"""The seed's walk-through against each local model, straight through llama-server's OpenAI API.

Starts the cached llama-server (scripts/setup-local-model) with the flags LocalModel uses, sends
the four walk-through messages as one conversation with our three tools offered (tool_choice
auto), runs the tools the model calls with the same numbers as src/tools, and prints a Markdown
table: what each model answered, which tools it called, and its tokens per second.

  tests/bench/localmodel_walkthrough.py [MODEL.gguf …]   (default: both cached models)
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

CACHE = os.environ.get("RTAI_CACHE_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "realtime-ai", "local-model")
SYSTEM = ("You are a helpful, concise assistant in a realtime chat. Use the tools you are given "
          "when they help (for example shipping costs, arithmetic, the current time); never "
          "invent a tool result. Answer in Markdown.")
TURNS = ["Hello, I'm Ada", "What is 10 + 2?", "How much to ship 5kg to the US?", "What is my name?"]
TOOLS = [
    {"type": "function", "function": {
        "name": "calculate_shipping",
        "description": "Calculate the shipping cost (USD) and delivery estimate for a parcel.",
        "parameters": {"type": "object", "properties": {
            "weight_kg": {"type": "number", "description": "Parcel weight in kilograms"},
            "destination": {"type": "string", "description": "Destination country code, e.g. US"}},
            "required": ["weight_kg", "destination"]}}},
    {"type": "function", "function": {
        "name": "calculator",
        "description": "Evaluate an arithmetic expression exactly instead of computing it yourself.",
        "parameters": {"type": "object", "properties": {
            "expression": {"type": "string", "description": "e.g. \"10 + 2\""}},
            "required": ["expression"]}}},
    {"type": "function", "function": {
        "name": "get_current_time",
        "description": "The current date and time in UTC.",
        "parameters": {"type": "object", "properties": {}}}},
]


def run_tool(name, arguments):
    try:
        args = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return {"error": "arguments are not JSON"}
    if name == "calculate_shipping":
        try:
            weight = float(args.get("weight_kg"))
        except (TypeError, ValueError):
            return {"error": "weight_kg must be a number"}
        if str(args.get("destination", "")).upper() not in ("US", "USA", "UNITED STATES"):
            return {"error": "destination: only US is simulated here"}
        return {"destination": "US", "weight_kg": weight, "cost": round(5 + 2 * weight, 2),
                "currency": "USD", "estimate": "3-5 business days"}
    if name == "calculator":
        expression = str(args.get("expression", ""))
        if not expression or any(c not in "0123456789+-*/(). " for c in expression):
            return {"error": "not an arithmetic expression"}
        return {"expression": expression, "value": eval(expression)}  # digits and operators only
    if name == "get_current_time":
        return {"utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    return {"error": f"unknown tool {name}"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stream(port, messages):
    body = {"model": "local", "messages": messages, "tools": TOOLS, "stream": True,
            "stream_options": {"include_usage": True}, "max_tokens": 96}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions",
                                     json.dumps(body).encode(), {"Content-Type": "application/json"})
    start = time.monotonic()
    first = None
    content, calls, usage, timings = "", {}, {}, {}
    with urllib.request.urlopen(request, timeout=300) as response:
        for raw in response:
            line = raw.decode().strip()
            if not line.startswith("data:") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[5:])
            usage = chunk.get("usage") or usage
            timings = chunk.get("timings") or timings
            for choice in chunk.get("choices", []):
                delta = choice.get("delta", {})
                if delta.get("content") or delta.get("tool_calls"):
                    first = first or time.monotonic()
                content += delta.get("content") or ""
                for call in delta.get("tool_calls") or []:
                    slot = calls.setdefault(call["index"], {"id": "", "name": "", "arguments": ""})
                    slot["id"] = call.get("id") or slot["id"]
                    function = call.get("function", {})
                    slot["name"] += function.get("name") or ""
                    slot["arguments"] += function.get("arguments") or ""
    end = time.monotonic()
    return {"content": content, "calls": [calls[i] for i in sorted(calls)], "usage": usage,
            "timings": timings, "ttft": (first or end) - start, "seconds": end - start}


def walk(server, model):
    port = free_port()
    log = open(os.path.join(CACHE, "walkthrough-llama-server.log"), "w")
    process = subprocess.Popen([server, "--model", model, "--host", "127.0.0.1", "--port", str(port),
                                "--ctx-size", "16384", "--parallel", "2", "--jinja", "--no-webui"],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.25)
        messages = [{"role": "system", "content": SYSTEM}]
        rows = []
        for text in TURNS:
            messages.append({"role": "user", "content": text})
            tools_called, tokens, gen_seconds, ttft = [], 0, 0.0, None
            for _step in range(3):
                reply = stream(port, messages)
                ttft = reply["ttft"] if ttft is None else ttft
                tokens += reply["timings"].get("predicted_n", reply["usage"].get("completion_tokens", 0))
                gen_seconds += reply["timings"].get("predicted_ms", reply["seconds"] * 1000) / 1000
                if not reply["calls"]:
                    messages.append({"role": "assistant", "content": reply["content"]})
                    break
                messages.append({"role": "assistant", "content": reply["content"] or None,
                                 "tool_calls": [{"id": c["id"] or f"call_{i}", "type": "function",
                                                 "function": {"name": c["name"], "arguments": c["arguments"]}}
                                                for i, c in enumerate(reply["calls"])]})
                for i, c in enumerate(reply["calls"]):
                    tools_called.append(f'{c["name"]}({c["arguments"]})')
                    messages.append({"role": "tool", "tool_call_id": c["id"] or f"call_{i}",
                                     "content": json.dumps(run_tool(c["name"], c["arguments"]))})
            rows.append((text, reply["content"].strip(), tools_called, tokens,
                         tokens / gen_seconds if gen_seconds else 0, ttft))
        return rows
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def main():
    server = os.path.join(CACHE, "bin", "llama-server")
    models = sys.argv[1:] or [os.path.join(CACHE, "models", name) for name in
                              ("SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf")]
    for model in models:
        rows = walk(server, model)
        total_tokens = sum(r[3] for r in rows)
        print(f"\n#### {os.path.basename(model)}\n")
        print("| message | answer | tools called | tokens | tokens/s | first token |")
        print("|---|---|---|---|---|---|")
        for text, answer, tools, tokens, rate, ttft in rows:
            answer = answer.replace("\n", " ").replace("|", "\\|")
            answer = answer[:160] + ("…" if len(answer) > 160 else "")
            print(f"| {text} | {answer} | {', '.join(tools) or '—'} | {tokens} | {rate:.1f} | {ttft * 1000:.0f} ms |")
        print(f"\n{total_tokens} tokens generated in total.")


if __name__ == "__main__":
    main()
