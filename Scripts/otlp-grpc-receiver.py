#!/usr/bin/env python3
"""A real OTLP/gRPC receiver written by no one here: the OpenTelemetry project's generated
TraceService (PyPI `opentelemetry-proto`, `trace_service_pb2_grpc`) served by gRPC's own Python
server (`grpcio`), for Scripts/test to export to with Dapper's OTLP/gRPC client.

  serve PORT_FILE OUTPUT
      Listens on 127.0.0.1, an ephemeral port, which it writes to PORT_FILE once it accepts
      calls; answers every Export with OK and appends the request to OUTPUT, one JSON object a
      line (google.protobuf.json_format: IDs in base64, as the proto3 JSON mapping has them)
      with the names of the call's metadata. Stops on SIGTERM or SIGINT. (grpcio decompresses
      a gzip-compressed message before the servicer sees it, and keeps grpc-encoding from it.)
  check OUTPUT EXPECTED
      Compares what was received with EXPECTED (JSON, written by the exporting test): the
      number of requests, each span's trace ID, span ID, parent span ID and name, its
      resource's service.name, and the metadata names the client sent. Exits 1 on a difference.
  trace OUTPUT TRACE_ID COUNT
      Checks that the received spans whose trace ID ends with TRACE_ID's low 64 bits are COUNT
      spans that all carry the whole 128-bit TRACE_ID (one trace, as a backend that compares
      128 bits sees it), and prints them as a tree: service, name, kind. Exits 1 otherwise.
"""
import base64
import json
import os
import signal
import sys
import threading
from concurrent import futures

import grpc
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc


class Receiver(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, output):
        self.output = output
        self.lock = threading.Lock()

    def Export(self, request, context):
        metadata = {key for key, _ in context.invocation_metadata()}
        record = {
            "request": json_format.MessageToDict(request),
            "metadataNames": sorted(metadata),
        }
        with self.lock, open(self.output, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, sort_keys=True) + "\n")
        return trace_service_pb2.ExportTraceServiceResponse()


def serve(port_file, output):
    open(output, "w").close()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Receiver(output), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    # Written whole, then renamed: a reader never sees half a number.
    with open(port_file + ".tmp", "w") as out:
        out.write(f"{port}\n")
    os.replace(port_file + ".tmp", port_file)
    print(f"otlp-grpc-receiver: listening on 127.0.0.1:{port}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop(grace=1).wait()


def hex_id(value):
    return base64.b64decode(value).hex() if value else ""


def received_spans(records):
    """Every span of the recorded requests, with its resource's service.name, IDs in hex."""
    spans = []
    for record in records:
        for resource_spans in record["request"].get("resourceSpans", []):
            attributes = resource_spans.get("resource", {}).get("attributes", [])
            service = next((a["value"].get("stringValue") for a in attributes if a["key"] == "service.name"), None)
            for scope_spans in resource_spans.get("scopeSpans", []):
                for span in scope_spans.get("spans", []):
                    spans.append({
                        "traceId": hex_id(span.get("traceId")),
                        "spanId": hex_id(span.get("spanId")),
                        "parentSpanId": hex_id(span.get("parentSpanId")),
                        "name": span.get("name", ""),
                        "service": service,
                        "kind": span.get("kind", "SPAN_KIND_UNSPECIFIED"),
                    })
    return spans


def trace(output, trace_id, count):
    with open(output, encoding="utf-8") as source:
        records = [json.loads(line) for line in source if line.strip()]
    members = [span for span in received_spans(records) if span["traceId"][-16:] == trace_id[-16:]]
    ids = sorted({span["traceId"] for span in members})
    if len(members) != count or ids != [trace_id]:
        sys.exit(f"otlp-grpc-receiver: {len(members)} spans with the trace's low 64 bits, trace IDs {ids}; "
                 f"{count} spans of {trace_id} expected")
    by_parent = {}
    for span in members:
        by_parent.setdefault(span["parentSpanId"], []).append(span)
    span_ids = {span["spanId"] for span in members}
    lines = [f"trace {trace_id}: {count} spans, services {', '.join(sorted({s['service'] for s in members}))}"]

    def walk(span, depth):
        kind = span["kind"].replace("SPAN_KIND_", "").lower()
        lines.append("  " * depth + f"{span['service']} {span['name']} [{kind}] span {span['spanId']}")
        for child in by_parent.get(span["spanId"], []):
            walk(child, depth + 1)

    for root in (span for span in members if span["parentSpanId"] not in span_ids):
        walk(root, 1)
    print("otlp-grpc-receiver: decoded by opentelemetry-proto over grpcio:\n" + "\n".join(lines))


def check(output, expected_file):
    if not os.path.exists(expected_file):
        sys.exit(f"otlp-grpc-receiver: no {expected_file}: the exporting test did not run "
                 "(DAPPER_OTLP_GRPC_RECEIVER unset?) or did not finish")
    with open(expected_file, encoding="utf-8") as source:
        expected = json.load(source)
    with open(output, encoding="utf-8") as source:
        records = [json.loads(line) for line in source if line.strip()]
    problems = []
    if len(records) != expected["requests"]:
        problems.append(f"{len(records)} requests received, {expected['requests']} expected")
    for record in records:
        missing = sorted(set(expected["metadataNames"]) - set(record["metadataNames"]))
        if missing:
            problems.append(f"metadata names missing from a call: {missing}")
    received = [{key: span[key] for key in ("traceId", "spanId", "parentSpanId", "name", "service")}
                for span in received_spans(records)]
    key = lambda span: (span["traceId"], span["spanId"])
    if sorted(received, key=key) != sorted(expected["spans"], key=key):
        problems.append("the spans differ:\n  received " + json.dumps(sorted(received, key=key))
                        + "\n  expected " + json.dumps(sorted(expected["spans"], key=key)))
    if problems:
        print("otlp-grpc-receiver: " + "\n".join(problems), file=sys.stderr)
        sys.exit(1)
    traces = sorted({span["traceId"] for span in received})
    print(f"otlp-grpc-receiver: {len(records)} requests, {len(received)} spans, traces {', '.join(traces)} "
          f"as expected (decoded by opentelemetry-proto over grpcio)")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "trace":
        trace(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
